import {
  WINOGRAD_OUTPUT_BIAS,
  WINOGRAD_OUTPUT_COUNT,
  WINOGRAD_OUTPUT_CP,
  WINOGRAD_OUTPUT_FIRST,
  WINOGRAD_OUTPUT_H,
  WINOGRAD_OUTPUT_IMAGE_BYTES,
  WINOGRAD_OUTPUT_M,
  WINOGRAD_OUTPUT_OUT,
  WINOGRAD_OUTPUT_PER_JOB,
  WINOGRAD_OUTPUT_RELU,
  WINOGRAD_OUTPUT_ROWS,
  WINOGRAD_OUTPUT_TILES,
  WINOGRAD_OUTPUT_TILES_W,
  WINOGRAD_OUTPUT_W,
} from './abi.generated';
import { arg, argPtr, min } from './common';

/**
 * Aᵀ·m over six vectors m_k = src + k·stride → four vectors at dst + r·dstStride (F(4×4,3×3)):
 * rows of Aᵀ = [1 1 1 1 1 0], [0 1 -1 2 -2 0], [0 1 1 4 4 0], [0 1 -1 8 -8 1].
 */
// @ts-ignore: decorator
@inline function at6(src: usize, stride: usize, dst: usize, dstStride: usize): void {
  const m0 = v128.load(src);
  const m1 = v128.load(src + stride);
  const m2 = v128.load(src + (stride << 1));
  const m3 = v128.load(src + stride * 3);
  const m4 = v128.load(src + (stride << 2));
  const m5 = v128.load(src + stride * 5);
  const s12 = f32x4.add(m1, m2);
  const d12 = f32x4.sub(m1, m2);
  const s34 = f32x4.add(m3, m4);
  const d34 = f32x4.sub(m3, m4);
  v128.store(dst, f32x4.add(f32x4.add(m0, s12), s34));
  v128.store(dst + dstStride, f32x4.add(d12, f32x4.mul(f32x4.splat(2), d34)));
  v128.store(dst + (dstStride << 1), f32x4.add(s12, f32x4.mul(f32x4.splat(4), s34)));
  v128.store(dst + dstStride * 3, f32x4.add(f32x4.add(d12, f32x4.mul(f32x4.splat(8), d34)), m5));
}

/**
 * One job of the Winograd output transform over a chunk of the batch's tiles (see
 * winogradInputJob): rows [j·perJob, …) of M (up to `count`) → 4×4 outputs + bias, ReLU, clipped
 * at the map's bottom and right edges, into their image of the batch.
 * Args (WINOGRAD_OUTPUT_*): m, bias (0: none), relu (0: linear, the reverse pass's conv ∂x), out,
 * imageBytes (of out), h, w, cp (output), tilesW, tiles, first, count, rows (of M), perJob.
 * Scratch: 24·16 bytes column-transformed + 16·16 bytes result.
 */
export function winogradOutputJob(ctrl: usize, j: i32, scratch: usize): void {
  const m = argPtr(ctrl, WINOGRAD_OUTPUT_M);
  const bias = argPtr(ctrl, WINOGRAD_OUTPUT_BIAS);
  const relu = arg(ctrl, WINOGRAD_OUTPUT_RELU);
  const out = argPtr(ctrl, WINOGRAD_OUTPUT_OUT);
  const imageBytes = argPtr(ctrl, WINOGRAD_OUTPUT_IMAGE_BYTES);
  const h = arg(ctrl, WINOGRAD_OUTPUT_H);
  const w = arg(ctrl, WINOGRAD_OUTPUT_W);
  const cp = arg(ctrl, WINOGRAD_OUTPUT_CP);
  const tilesW = arg(ctrl, WINOGRAD_OUTPUT_TILES_W);
  const tiles = arg(ctrl, WINOGRAD_OUTPUT_TILES);
  const first = arg(ctrl, WINOGRAD_OUTPUT_FIRST);
  const perJob = arg(ctrl, WINOGRAD_OUTPUT_PER_JOB);
  const pixel = (<usize>cp) << 2;
  const strideP = (<usize>arg(ctrl, WINOGRAD_OUTPUT_ROWS)) * pixel;
  let r = j * perJob;
  const r1 = min(arg(ctrl, WINOGRAD_OUTPUT_COUNT), r + perJob);
  while (r < r1) {
    const g = first + r;
    const t = g % tiles;
    const n = min(r1 - r, tiles - t);
    const image = out + (<usize>(g / tiles)) * imageBytes;
    outputTiles(m + (<usize>r) * pixel - (<usize>t) * pixel, strideP, bias, relu, image, h, w, cp, tilesW, t, t + n, scratch);
    r += n;
  }
}

/**
 * Output transform of tiles [t0, t1) from M[p][t][c] at m + t·pixel + p·strideP (see inputTiles),
 * + bias unless `bias` is 0, then ReLU unless `relu` is 0.
 */
export function outputTiles(
  m: usize, strideP: usize, bias: usize, relu: i32, out: usize, h: i32, w: i32, cp: i32, tilesW: i32, t0: i32, t1: i32, scratch: usize,
): void {
  const pixel = (<usize>cp) << 2;
  const row = (<usize>w) * pixel;
  const tmp = scratch; // [4][6] vectors
  const res = scratch + 384; // [4][4] vectors
  const zero = f32x4.splat(0);
  for (let t = t0; t < t1; t++) {
    const y0 = (t / tilesW) * 4;
    const x0 = (t % tilesW) * 4;
    const ny = min(4, h - y0);
    const nx = min(4, w - x0);
    const mt = m + (<usize>t) * pixel;
    for (let c = 0; c < cp; c += 4) {
      const src = mt + ((<usize>c) << 2);
      // Columns: tmp[r][x] = Σ_i Aᵀ[r][i]·m[i][x].
      for (let x = 0; x < 6; x++) at6(src + (<usize>x) * strideP, strideP * 6, tmp + ((<usize>x) << 4), 96);
      // Rows: res[r][q] = Σ_k tmp[r][k]·Aᵀ[q][k].
      for (let r = 0; r < 4; r++) at6(tmp + (<usize>r) * 96, 16, res + ((<usize>r) << 6), 16);
      const b = bias ? v128.load(bias + ((<usize>c) << 2)) : zero;
      for (let r = 0; r < ny; r++) {
        const dst = out + (<usize>(y0 + r)) * row + (<usize>x0) * pixel + ((<usize>c) << 2);
        for (let q = 0; q < nx; q++) {
          // No `+ 0` for a missing bias: it would turn −0 into +0.
          let v = v128.load(res + ((<usize>(r * 4 + q)) << 4));
          if (bias) v = f32x4.add(v, b);
          if (relu) v = f32x4.max(v, zero);
          v128.store(dst + (<usize>q) * pixel, v);
        }
      }
    }
  }
}

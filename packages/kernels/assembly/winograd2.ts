import { arg, argPtr, min } from './common';
import {
  WINOGRAD_INPUT_COUNT,
  WINOGRAD_INPUT_CP,
  WINOGRAD_INPUT_FIRST,
  WINOGRAD_INPUT_H,
  WINOGRAD_INPUT_IMAGE_BYTES,
  WINOGRAD_INPUT_PER_JOB,
  WINOGRAD_INPUT_ROWS,
  WINOGRAD_INPUT_SRC,
  WINOGRAD_INPUT_TILES,
  WINOGRAD_INPUT_TILES_W,
  WINOGRAD_INPUT_V,
  WINOGRAD_INPUT_W,
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
  WINOGRAD_WEIGHTS_DST,
  WINOGRAD_WEIGHTS_K_PAD,
  WINOGRAD_WEIGHTS_N_PAD,
  WINOGRAD_WEIGHTS_PER_JOB,
  WINOGRAD_WEIGHTS_SRC,
} from './abi.generated';

// Winograd F(2×2,3×3): 16 positions instead of F(4×4)'s 36, so U is 16/9 of the kernel instead
// of 4×. For small deep maps (block5 at 224²: 14×14) the GEMM is bound by reading U, not by its
// multiplies, and U is what dominates the memory. The three ops take the F(4×4) ops' arguments.

/** Bᵀ·d over four vectors: rows of Bᵀ = [1 0 -1 0], [0 1 1 0], [0 -1 1 0], [0 1 0 -1]. */
// @ts-ignore: decorator
@inline function bt4(src: usize, stride: usize, dst: usize, dstStride: usize): void {
  const d0 = v128.load(src);
  const d1 = v128.load(src + stride);
  const d2 = v128.load(src + (stride << 1));
  const d3 = v128.load(src + stride * 3);
  v128.store(dst, f32x4.sub(d0, d2));
  v128.store(dst + dstStride, f32x4.add(d1, d2));
  v128.store(dst + (dstStride << 1), f32x4.sub(d2, d1));
  v128.store(dst + dstStride * 3, f32x4.sub(d1, d3));
}

/** Aᵀ·m over four vectors → two: rows of Aᵀ = [1 1 1 0], [0 1 -1 -1]. */
// @ts-ignore: decorator
@inline function at4(src: usize, stride: usize, dst: usize, dstStride: usize): void {
  const m0 = v128.load(src);
  const m1 = v128.load(src + stride);
  const m2 = v128.load(src + (stride << 1));
  const m3 = v128.load(src + stride * 3);
  v128.store(dst, f32x4.add(f32x4.add(m0, m1), m2));
  v128.store(dst + dstStride, f32x4.sub(f32x4.sub(m1, m2), m3));
}

/** G·(x0, x1, x2): rows of G = [1 0 0], [1/2 1/2 1/2], [1/2 -1/2 1/2], [0 0 1]. */
// @ts-ignore: decorator
@inline function g4(x0: v128, x1: v128, x2: v128, dst: usize, dstStride: usize): void {
  const half = f32x4.splat(0.5);
  const s = f32x4.add(x0, x2);
  v128.store(dst, x0);
  v128.store(dst + dstStride, f32x4.mul(f32x4.add(s, x1), half));
  v128.store(dst + (dstStride << 1), f32x4.mul(f32x4.sub(s, x1), half));
  v128.store(dst + dstStride * 3, x2);
}

/** U = G·g·Gᵀ for input channel j, packed U[p][n/8][k][n%8], p = 4·row + column (see winograd-weights.ts). */
export function winograd2WeightsJob(ctrl: usize, j: i32, scratch: usize): void {
  const src = argPtr(ctrl, WINOGRAD_WEIGHTS_SRC);
  const kPad = <usize>arg(ctrl, WINOGRAD_WEIGHTS_K_PAD);
  const nPad = arg(ctrl, WINOGRAD_WEIGHTS_N_PAD);
  const dst = argPtr(ctrl, WINOGRAD_WEIGHTS_DST);
  const perJob = <usize>arg(ctrl, WINOGRAD_WEIGHTS_PER_JOB);
  const c0 = (<usize>j) * perJob;
  const c1 = c0 + perJob < kPad ? c0 + perJob : kPad;
  const tap = (kPad * (<usize>nPad)) << 2; // bytes from one kernel tap to the next
  const perPosition = tap;
  // Output channels outside, input channels inside: for each position the job's stores are
  // consecutive 32-byte slots of U[p][n/8][k][8] (whole cache lines, none shared with another job).
  for (let co = 0; co < nPad; co += 4) {
    for (let ci = c0; ci < c1; ci++) {
      const g = src + ((ci * (<usize>nPad) + (<usize>co)) << 2);
      // Columns: t[i][b] = Σ_a G[i][a]·g[a][b], at scratch + i·48 + b·16.
      for (let b = 0; b < 3; b++) {
        const gb = g + (<usize>b) * tap;
        g4(v128.load(gb), v128.load(gb + tap * 3), v128.load(gb + tap * 6), scratch + ((<usize>b) << 4), 48);
      }
      // Rows: U[i][jj] = Σ_b t[i][b]·G[jj][b], stored at position p = 4·i + jj.
      const out = dst + ((((<usize>(co >> 3)) * kPad * 8) + ci * 8 + (<usize>(co & 7))) << 2);
      for (let i = 0; i < 4; i++) {
        const t = scratch + (<usize>i) * 48;
        g4(v128.load(t), v128.load(t, 16), v128.load(t, 32), out + (<usize>(i * 4)) * perPosition, perPosition);
      }
    }
  }
}

/** Input transform of tiles [t0, t1) (zeros from `tiles` on): 4×4 patches at (2·ty − 1, 2·tx − 1). */
function inputTiles2(
  src: usize, h: i32, w: i32, cp: i32, tilesW: i32, tiles: i32, t0: i32, t1: i32, v: usize, strideP: usize, scratch: usize,
): void {
  const pixel = (<usize>cp) << 2;
  const row = (<usize>w) * pixel;
  const patch = scratch;
  const tmp = scratch + 256;
  for (let t = t0; t < t1; t++) {
    const out = v + (<usize>t) * pixel;
    if (t >= tiles) {
      for (let p = 0; p < 16; p++) memory.fill(out + (<usize>p) * strideP, 0, pixel);
      continue;
    }
    const y0 = (t / tilesW) * 2 - 1;
    const x0 = (t % tilesW) * 2 - 1;
    const inside = y0 >= 0 && x0 >= 0 && y0 + 4 <= h && x0 + 4 <= w;
    for (let c = 0; c < cp; c += 4) {
      let base: usize;
      let rs: usize;
      let cs: usize;
      if (inside) {
        base = src + (<usize>y0) * row + (<usize>x0) * pixel + ((<usize>c) << 2);
        rs = row;
        cs = pixel;
      } else {
        for (let dy = 0; dy < 4; dy++) {
          const y = y0 + dy;
          for (let dx = 0; dx < 4; dx++) {
            const x = x0 + dx;
            const dst = patch + ((<usize>(dy * 4 + dx)) << 4);
            if (y >= 0 && y < h && x >= 0 && x < w) {
              v128.store(dst, v128.load(src + (<usize>y) * row + (<usize>x) * pixel + ((<usize>c) << 2)));
            } else {
              v128.store(dst, f32x4.splat(0));
            }
          }
        }
        base = patch;
        rs = 64;
        cs = 16;
      }
      for (let x = 0; x < 4; x++) bt4(base + (<usize>x) * cs, rs, tmp + ((<usize>x) << 4), 64);
      const dst = out + ((<usize>c) << 2);
      for (let i = 0; i < 4; i++) bt4(tmp + (<usize>i) * 64, 16, dst + (<usize>(i * 4)) * strideP, strideP);
    }
  }
}

/**
 * Output transform of tiles [t0, t1) from M[p][t][c]: 2×2 outputs + bias (unless `bias` is 0),
 * ReLU (unless `relu` is 0), clipped at the edges.
 */
function outputTiles2(
  m: usize, strideP: usize, bias: usize, relu: i32, out: usize, h: i32, w: i32, cp: i32, tilesW: i32, t0: i32, t1: i32, scratch: usize,
): void {
  const pixel = (<usize>cp) << 2;
  const row = (<usize>w) * pixel;
  const tmp = scratch; // [2][4] vectors
  const res = scratch + 128; // [2][2] vectors
  const zero = f32x4.splat(0);
  for (let t = t0; t < t1; t++) {
    const y0 = (t / tilesW) * 2;
    const x0 = (t % tilesW) * 2;
    const ny = min(2, h - y0);
    const nx = min(2, w - x0);
    const mt = m + (<usize>t) * pixel;
    for (let c = 0; c < cp; c += 4) {
      const src = mt + ((<usize>c) << 2);
      for (let x = 0; x < 4; x++) at4(src + (<usize>x) * strideP, strideP * 4, tmp + ((<usize>x) << 4), 64);
      for (let r = 0; r < 2; r++) at4(tmp + (<usize>r) * 64, 16, res + ((<usize>r) << 5), 16);
      const b = bias ? v128.load(bias + ((<usize>c) << 2)) : zero;
      for (let r = 0; r < ny; r++) {
        const dst = out + (<usize>(y0 + r)) * row + (<usize>x0) * pixel + ((<usize>c) << 2);
        for (let q = 0; q < nx; q++) {
          let v = v128.load(res + ((<usize>(r * 2 + q)) << 4));
          if (bias) v = f32x4.add(v, b);
          if (relu) v = f32x4.max(v, zero);
          v128.store(dst + (<usize>q) * pixel, v);
        }
      }
    }
  }
}

/** winogradInputJob's chunk of the batch's tiles, F(2×2). */
export function winograd2InputJob(ctrl: usize, j: i32, scratch: usize): void {
  const src = argPtr(ctrl, WINOGRAD_INPUT_SRC);
  const imageBytes = argPtr(ctrl, WINOGRAD_INPUT_IMAGE_BYTES);
  const h = arg(ctrl, WINOGRAD_INPUT_H);
  const w = arg(ctrl, WINOGRAD_INPUT_W);
  const cp = arg(ctrl, WINOGRAD_INPUT_CP);
  const v = argPtr(ctrl, WINOGRAD_INPUT_V);
  const tilesW = arg(ctrl, WINOGRAD_INPUT_TILES_W);
  const tiles = arg(ctrl, WINOGRAD_INPUT_TILES);
  const first = arg(ctrl, WINOGRAD_INPUT_FIRST);
  const count = arg(ctrl, WINOGRAD_INPUT_COUNT);
  const rows = arg(ctrl, WINOGRAD_INPUT_ROWS);
  const perJob = arg(ctrl, WINOGRAD_INPUT_PER_JOB);
  const pixel = (<usize>cp) << 2;
  const strideP = (<usize>rows) * pixel;
  let r = j * perJob;
  const r1 = min(rows, r + perJob);
  while (r < r1) {
    if (r >= count) {
      inputTiles2(src, h, w, cp, tilesW, 0, r, r1, v, strideP, scratch);
      break;
    }
    const g = first + r;
    const t = g % tiles;
    const n = min(min(r1, count) - r, tiles - t);
    const image = src + (<usize>(g / tiles)) * imageBytes;
    inputTiles2(image, h, w, cp, tilesW, tiles, t, t + n, v + (<usize>r) * pixel - (<usize>t) * pixel, strideP, scratch);
    r += n;
  }
}

/** winogradOutputJob's chunk of the batch's tiles, F(2×2). */
export function winograd2OutputJob(ctrl: usize, j: i32, scratch: usize): void {
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
    outputTiles2(m + (<usize>r) * pixel - (<usize>t) * pixel, strideP, bias, relu, image, h, w, cp, tilesW, t, t + n, scratch);
    r += n;
  }
}

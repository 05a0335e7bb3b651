import { arg, argPtr, madd, min } from './common';
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

// Winograd F(6×6,3×3): 8×8 tiles, 64 positions for 36 outputs (1.78 multiplies per output and
// input channel against F(4×4)'s 2.25), interpolation points 0, ±1, ±2, ±1/2 and ∞ — the matrices
// of Lavin & Gray and NNPACK (Barabasz et al. find no better set of this size for float32). Its
// float32 error is about twice F(4×4)'s, and U is 64/9 of the kernel: prepared-layer.ts picks it
// only where both are affordable. The three ops take the F(4×4) ops' arguments.

/**
 * Bᵀ·d over eight vectors d_k = src + k·stride, written to dst + k·dstStride. Rows of Bᵀ:
 * [1 0 -21/4 0 21/4 0 -1 0], [0 1 1 -17/4 -17/4 1 1 0], [0 -1 1 17/4 -17/4 -1 1 0],
 * [0 1/2 1/4 -5/2 -5/4 2 1 0], [0 -1/2 1/4 5/2 -5/4 -2 1 0], [0 2 4 -5/2 -5 1/2 1 0],
 * [0 -2 4 5/2 -5 -1/2 1 0], [0 -1 0 21/4 0 -21/4 0 1]: rows 2k−1 and 2k share their even and
 * odd halves.
 */
// @ts-ignore: decorator
@inline function bt8(src: usize, stride: usize, dst: usize, dstStride: usize): void {
  const d0 = v128.load(src);
  const d1 = v128.load(src + stride);
  const d2 = v128.load(src + (stride << 1));
  const d3 = v128.load(src + stride * 3);
  const d4 = v128.load(src + (stride << 2));
  const d5 = v128.load(src + stride * 5);
  const d6 = v128.load(src + stride * 6);
  const d7 = v128.load(src + stride * 7);
  v128.store(dst, madd(f32x4.sub(d4, d2), f32x4.splat(5.25), f32x4.sub(d0, d6)));
  let e = madd(d4, f32x4.splat(-4.25), f32x4.add(d2, d6));
  let o = madd(d3, f32x4.splat(-4.25), f32x4.add(d1, d5));
  v128.store(dst + dstStride, f32x4.add(e, o));
  v128.store(dst + (dstStride << 1), f32x4.sub(e, o));
  e = madd(d4, f32x4.splat(-1.25), madd(d2, f32x4.splat(0.25), d6));
  o = madd(d5, f32x4.splat(2), madd(d3, f32x4.splat(-2.5), f32x4.mul(d1, f32x4.splat(0.5))));
  v128.store(dst + dstStride * 3, f32x4.add(e, o));
  v128.store(dst + (dstStride << 2), f32x4.sub(e, o));
  e = madd(d4, f32x4.splat(-5), madd(d2, f32x4.splat(4), d6));
  o = madd(d5, f32x4.splat(0.5), madd(d3, f32x4.splat(-2.5), f32x4.mul(d1, f32x4.splat(2))));
  v128.store(dst + dstStride * 5, f32x4.add(e, o));
  v128.store(dst + dstStride * 6, f32x4.sub(e, o));
  v128.store(dst + dstStride * 7, madd(f32x4.sub(d3, d5), f32x4.splat(5.25), f32x4.sub(d7, d1)));
}

/**
 * Aᵀ·m over eight vectors → six at dst + r·dstStride. Rows of Aᵀ: [1 1 1 1 1 1 1 0] and
 * [0 1 ±1 2^r ±2^r 2^−r ±2^−r 0] for r = 1…5 (signs alternate with r), the last + m7.
 */
// @ts-ignore: decorator
@inline function at8(src: usize, stride: usize, dst: usize, dstStride: usize): void {
  const m1 = v128.load(src + stride);
  const m2 = v128.load(src + (stride << 1));
  const m3 = v128.load(src + stride * 3);
  const m4 = v128.load(src + (stride << 2));
  const m5 = v128.load(src + stride * 5);
  const m6 = v128.load(src + stride * 6);
  const a12 = f32x4.add(m1, m2);
  const s12 = f32x4.sub(m1, m2);
  const a34 = f32x4.add(m3, m4);
  const s34 = f32x4.sub(m3, m4);
  const a56 = f32x4.add(m5, m6);
  const s56 = f32x4.sub(m5, m6);
  v128.store(dst, f32x4.add(f32x4.add(v128.load(src), a12), f32x4.add(a34, a56)));
  v128.store(dst + dstStride, madd(s56, f32x4.splat(0.5), madd(s34, f32x4.splat(2), s12)));
  v128.store(dst + (dstStride << 1), madd(a56, f32x4.splat(0.25), madd(a34, f32x4.splat(4), a12)));
  v128.store(dst + dstStride * 3, madd(s56, f32x4.splat(0.125), madd(s34, f32x4.splat(8), s12)));
  v128.store(dst + (dstStride << 2), madd(a56, f32x4.splat(0.0625), madd(a34, f32x4.splat(16), a12)));
  const y5 = madd(s56, f32x4.splat(0.03125), madd(s34, f32x4.splat(32), s12));
  v128.store(dst + dstStride * 5, f32x4.add(y5, v128.load(src + stride * 7)));
}

/**
 * G·(x0, x1, x2), written to dst + r·dstStride. Rows of G: [1 0 0], [-2/9 -2/9 -2/9],
 * [-2/9 2/9 -2/9], [1/90 1/45 2/45], [1/90 -1/45 2/45], [32/45 16/45 8/45], [32/45 -16/45 8/45], [0 0 1].
 */
// @ts-ignore: decorator
@inline function g8(x0: v128, x1: v128, x2: v128, dst: usize, dstStride: usize): void {
  const s = f32x4.add(x0, x2);
  const m29 = f32x4.splat(<f32>(-2.0 / 9.0));
  v128.store(dst, x0);
  v128.store(dst + dstStride, f32x4.mul(f32x4.add(s, x1), m29));
  v128.store(dst + (dstStride << 1), f32x4.mul(f32x4.sub(s, x1), m29));
  let e = madd(x2, f32x4.splat(<f32>(2.0 / 45.0)), f32x4.mul(x0, f32x4.splat(<f32>(1.0 / 90.0))));
  let o = f32x4.mul(x1, f32x4.splat(<f32>(1.0 / 45.0)));
  v128.store(dst + dstStride * 3, f32x4.add(e, o));
  v128.store(dst + (dstStride << 2), f32x4.sub(e, o));
  e = madd(x0, f32x4.splat(<f32>(32.0 / 45.0)), f32x4.mul(x2, f32x4.splat(<f32>(8.0 / 45.0))));
  o = f32x4.mul(x1, f32x4.splat(<f32>(16.0 / 45.0)));
  v128.store(dst + dstStride * 5, f32x4.add(e, o));
  v128.store(dst + dstStride * 6, f32x4.sub(e, o));
  v128.store(dst + dstStride * 7, x2);
}

/** U = G·g·Gᵀ for a block of input channels, packed U[p][n/8][k][n%8], p = 8·row + column (see winograd-weights.ts). */
export function winograd6WeightsJob(ctrl: usize, j: i32, scratch: usize): void {
  const src = argPtr(ctrl, WINOGRAD_WEIGHTS_SRC);
  const kPad = <usize>arg(ctrl, WINOGRAD_WEIGHTS_K_PAD);
  const nPad = arg(ctrl, WINOGRAD_WEIGHTS_N_PAD);
  const dst = argPtr(ctrl, WINOGRAD_WEIGHTS_DST);
  const perJob = <usize>arg(ctrl, WINOGRAD_WEIGHTS_PER_JOB);
  const c0 = (<usize>j) * perJob;
  const c1 = c0 + perJob < kPad ? c0 + perJob : kPad;
  const tap = (kPad * (<usize>nPad)) << 2; // bytes from one kernel tap to the next
  const perPosition = tap;
  for (let co = 0; co < nPad; co += 4) {
    for (let ci = c0; ci < c1; ci++) {
      const g = src + ((ci * (<usize>nPad) + (<usize>co)) << 2);
      // Columns: t[i][b] = Σ_a G[i][a]·g[a][b], at scratch + i·48 + b·16.
      for (let b = 0; b < 3; b++) {
        const gb = g + (<usize>b) * tap;
        g8(v128.load(gb), v128.load(gb + tap * 3), v128.load(gb + tap * 6), scratch + ((<usize>b) << 4), 48);
      }
      // Rows: U[i][jj] = Σ_b t[i][b]·G[jj][b], stored at position p = 8·i + jj.
      const out = dst + ((((<usize>(co >> 3)) * kPad * 8) + ci * 8 + (<usize>(co & 7))) << 2);
      for (let i = 0; i < 8; i++) {
        const t = scratch + (<usize>i) * 48;
        g8(v128.load(t), v128.load(t, 16), v128.load(t, 32), out + (<usize>(i * 8)) * perPosition, perPosition);
      }
    }
  }
}

/**
 * Input transform of tiles [t0, t1) (zeros from `tiles` on): 8×8 patches at (6·ty − 1, 6·tx − 1)
 * → V[p][t][c] at v + t·pixel + p·strideP (see inputTiles in winograd-input.ts).
 * Scratch: 64·16 bytes patch + 64·16 bytes column-transformed.
 */
export function inputTiles6(
  src: usize, h: i32, w: i32, cp: i32, tilesW: i32, tiles: i32, t0: i32, t1: i32, v: usize, strideP: usize, scratch: usize,
): void {
  const pixel = (<usize>cp) << 2;
  const row = (<usize>w) * pixel;
  const patch = scratch;
  const tmp = scratch + 1024;
  for (let t = t0; t < t1; t++) {
    const out = v + (<usize>t) * pixel;
    if (t >= tiles) {
      for (let p = 0; p < 64; p++) memory.fill(out + (<usize>p) * strideP, 0, pixel);
      continue;
    }
    const y0 = (t / tilesW) * 6 - 1;
    const x0 = (t % tilesW) * 6 - 1;
    const inside = y0 >= 0 && x0 >= 0 && y0 + 8 <= h && x0 + 8 <= w;
    for (let c = 0; c < cp; c += 4) {
      let base: usize;
      let rs: usize;
      let cs: usize;
      if (inside) {
        base = src + (<usize>y0) * row + (<usize>x0) * pixel + ((<usize>c) << 2);
        rs = row;
        cs = pixel;
      } else {
        for (let dy = 0; dy < 8; dy++) {
          const y = y0 + dy;
          for (let dx = 0; dx < 8; dx++) {
            const x = x0 + dx;
            const dst = patch + ((<usize>(dy * 8 + dx)) << 4);
            if (y >= 0 && y < h && x >= 0 && x < w) {
              v128.store(dst, v128.load(src + (<usize>y) * row + (<usize>x) * pixel + ((<usize>c) << 2)));
            } else {
              v128.store(dst, f32x4.splat(0));
            }
          }
        }
        base = patch;
        rs = 128;
        cs = 16;
      }
      // Columns first: tmp[i][x] = Σ_k Bᵀ[i][k]·d[k][x]; then rows: V[8·i + jx] = Σ_k tmp[i][k]·Bᵀ[jx][k].
      for (let x = 0; x < 8; x++) bt8(base + (<usize>x) * cs, rs, tmp + ((<usize>x) << 4), 128);
      const dst = out + ((<usize>c) << 2);
      for (let i = 0; i < 8; i++) bt8(tmp + (<usize>i) * 128, 16, dst + (<usize>(i * 8)) * strideP, strideP);
    }
  }
}

/**
 * Output transform of tiles [t0, t1) from M[p][t][c] at m + t·pixel + p·strideP: 6×6 outputs +
 * bias (unless `bias` is 0), ReLU (unless `relu` is 0), clipped at the map's bottom and right edges.
 * Scratch: 48·16 bytes column-transformed + 36·16 bytes result.
 */
export function outputTiles6(
  m: usize, strideP: usize, bias: usize, relu: i32, out: usize, h: i32, w: i32, cp: i32, tilesW: i32, t0: i32, t1: i32, scratch: usize,
): void {
  const pixel = (<usize>cp) << 2;
  const row = (<usize>w) * pixel;
  const tmp = scratch; // [6][8] vectors
  const res = scratch + 768; // [6][6] vectors
  const zero = f32x4.splat(0);
  for (let t = t0; t < t1; t++) {
    const y0 = (t / tilesW) * 6;
    const x0 = (t % tilesW) * 6;
    const ny = min(6, h - y0);
    const nx = min(6, w - x0);
    const mt = m + (<usize>t) * pixel;
    for (let c = 0; c < cp; c += 4) {
      const src = mt + ((<usize>c) << 2);
      for (let x = 0; x < 8; x++) at8(src + (<usize>x) * strideP, strideP * 8, tmp + ((<usize>x) << 4), 128);
      for (let r = 0; r < 6; r++) at8(tmp + (<usize>r) * 128, 16, res + (<usize>r) * 96, 16);
      const b = bias ? v128.load(bias + ((<usize>c) << 2)) : zero;
      for (let r = 0; r < ny; r++) {
        const dst = out + (<usize>(y0 + r)) * row + (<usize>x0) * pixel + ((<usize>c) << 2);
        for (let q = 0; q < nx; q++) {
          // No `+ 0` for a missing bias: it would turn −0 into +0.
          let v = v128.load(res + ((<usize>(r * 6 + q)) << 4));
          if (bias) v = f32x4.add(v, b);
          if (relu) v = f32x4.max(v, zero);
          v128.store(dst + (<usize>q) * pixel, v);
        }
      }
    }
  }
}

/** winogradInputJob's chunk of the batch's tiles, F(6×6). */
export function winograd6InputJob(ctrl: usize, j: i32, scratch: usize): void {
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
      inputTiles6(src, h, w, cp, tilesW, 0, r, r1, v, strideP, scratch);
      break;
    }
    const g = first + r;
    const t = g % tiles;
    const n = min(min(r1, count) - r, tiles - t);
    const image = src + (<usize>(g / tiles)) * imageBytes;
    inputTiles6(image, h, w, cp, tilesW, tiles, t, t + n, v + (<usize>r) * pixel - (<usize>t) * pixel, strideP, scratch);
    r += n;
  }
}

/** winogradOutputJob's chunk of the batch's tiles, F(6×6). */
export function winograd6OutputJob(ctrl: usize, j: i32, scratch: usize): void {
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
    outputTiles6(m + (<usize>r) * pixel - (<usize>t) * pixel, strideP, bias, relu, image, h, w, cp, tilesW, t, t + n, scratch);
    r += n;
  }
}

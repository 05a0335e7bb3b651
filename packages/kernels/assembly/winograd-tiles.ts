import { min } from './common';
import { at4, bt4, g4 } from './winograd2';
import { at6, bt6, g6 } from './winograd4';
import { at8, bt8, g8 } from './winograd6';

// The tile loops of the three Winograd forms F(m×m,3×3), m = 2, 4 or 6: an input tile is
// (m + 2)×(m + 2) pixels at (m·ty − 1, m·tx − 1), giving (m + 2)² positions p = (m + 2)·row + column,
// and m×m outputs at (m·ty, m·tx). The per-form code is only the transforms (winograd2/4/6.ts); `m`
// is a constant wherever it picks one (each exported function branches once, then runs an inlined
// copy for that form in which the optimizer folds every `m`: no indirect call per tile).

/**
 * Input transform of tiles [t0, t1) (zeros from `tiles` on) into V[p][t][c] at v + t·pixel +
 * p·strideP; callers with a tile-block buffer pass v already shifted back by t0·pixel.
 * Scratch: (m + 2)² vectors of edge patch, then (m + 2)² column-transformed.
 */
export function inputTiles(
  m: i32, src: usize, h: i32, w: i32, cp: i32, tilesW: i32, tiles: i32, t0: i32, t1: i32, v: usize, strideP: usize, scratch: usize,
): void {
  if (m == 2) inputTilesOf(2, src, h, w, cp, tilesW, tiles, t0, t1, v, strideP, scratch);
  else if (m == 4) inputTilesOf(4, src, h, w, cp, tilesW, tiles, t0, t1, v, strideP, scratch);
  else inputTilesOf(6, src, h, w, cp, tilesW, tiles, t0, t1, v, strideP, scratch);
}

/**
 * Output transform of tiles [t0, t1) from M[p][t][c] at mt + t·pixel + p·strideP (see inputTiles),
 * + bias unless `bias` is 0, then ReLU unless `relu` is 0, clipped at the map's bottom and right edges.
 * Scratch: m·(m + 2) vectors column-transformed, then m² of result.
 */
export function outputTiles(
  m: i32, mt: usize, strideP: usize, bias: usize, relu: i32, out: usize, h: i32, w: i32, cp: i32, tilesW: i32, t0: i32, t1: i32, scratch: usize,
): void {
  if (m == 2) outputTilesOf(2, mt, strideP, bias, relu, out, h, w, cp, tilesW, t0, t1, scratch);
  else if (m == 4) outputTilesOf(4, mt, strideP, bias, relu, out, h, w, cp, tilesW, t0, t1, scratch);
  else outputTilesOf(6, mt, strideP, bias, relu, out, h, w, cp, tilesW, t0, t1, scratch);
}

/**
 * U = G·g·Gᵀ for input channels [c0, c1) of a 3×3 kernel stored HWIO ([3][3][kPad][nPad]), four output
 * channels per vector, into the GEMM's packed layout U[p][n/8][k][n%8]. Scratch: 3·(m + 2) vectors.
 */
export function weightTiles(m: i32, src: usize, kPad: usize, nPad: i32, dst: usize, c0: usize, c1: usize, scratch: usize): void {
  if (m == 2) weightTilesOf(2, src, kPad, nPad, dst, c0, c1, scratch);
  else if (m == 4) weightTilesOf(4, src, kPad, nPad, dst, c0, c1, scratch);
  else weightTilesOf(6, src, kPad, nPad, dst, c0, c1, scratch);
}

/** Bᵀ·d over m + 2 vectors d_k = src + k·stride, written to dst + k·dstStride. */
// @ts-ignore: decorator
@inline function bt(m: i32, src: usize, stride: usize, dst: usize, dstStride: usize): void {
  if (m == 2) bt4(src, stride, dst, dstStride);
  else if (m == 4) bt6(src, stride, dst, dstStride);
  else bt8(src, stride, dst, dstStride);
}

/** Aᵀ·m over m + 2 vectors → m at dst + r·dstStride. */
// @ts-ignore: decorator
@inline function at(m: i32, src: usize, stride: usize, dst: usize, dstStride: usize): void {
  if (m == 2) at4(src, stride, dst, dstStride);
  else if (m == 4) at6(src, stride, dst, dstStride);
  else at8(src, stride, dst, dstStride);
}

/** G·(x0, x1, x2) → m + 2 vectors at dst + r·dstStride. */
// @ts-ignore: decorator
@inline function gt(m: i32, x0: v128, x1: v128, x2: v128, dst: usize, dstStride: usize): void {
  if (m == 2) g4(x0, x1, x2, dst, dstStride);
  else if (m == 4) g6(x0, x1, x2, dst, dstStride);
  else g8(x0, x1, x2, dst, dstStride);
}

// @ts-ignore: decorator
@inline function inputTilesOf(
  m: i32, src: usize, h: i32, w: i32, cp: i32, tilesW: i32, tiles: i32, t0: i32, t1: i32, v: usize, strideP: usize, scratch: usize,
): void {
  const a = m + 2;
  const side = (<usize>a) << 4; // one row of a tile in scratch
  const pixel = (<usize>cp) << 2;
  const row = (<usize>w) * pixel;
  const patch = scratch;
  const tmp = scratch + (<usize>a) * side;
  for (let t = t0; t < t1; t++) {
    const out = v + (<usize>t) * pixel;
    if (t >= tiles) {
      for (let p = 0; p < a * a; p++) memory.fill(out + (<usize>p) * strideP, 0, pixel);
      continue;
    }
    const y0 = (t / tilesW) * m - 1;
    const x0 = (t % tilesW) * m - 1;
    const inside = y0 >= 0 && x0 >= 0 && y0 + a <= h && x0 + a <= w;
    for (let c = 0; c < cp; c += 4) {
      let base: usize;
      let rs: usize;
      let cs: usize;
      if (inside) {
        base = src + (<usize>y0) * row + (<usize>x0) * pixel + ((<usize>c) << 2);
        rs = row;
        cs = pixel;
      } else {
        // A tile over the map's edge: copied into a zero-padded patch first.
        for (let dy = 0; dy < a; dy++) {
          const y = y0 + dy;
          for (let dx = 0; dx < a; dx++) {
            const x = x0 + dx;
            const dst = patch + ((<usize>(dy * a + dx)) << 4);
            if (y >= 0 && y < h && x >= 0 && x < w) {
              v128.store(dst, v128.load(src + (<usize>y) * row + (<usize>x) * pixel + ((<usize>c) << 2)));
            } else {
              v128.store(dst, f32x4.splat(0));
            }
          }
        }
        base = patch;
        rs = side;
        cs = 16;
      }
      // Columns first: tmp[i][x] = Σ_k Bᵀ[i][k]·d[k][x]; then rows: V[a·i + jx] = Σ_k tmp[i][k]·Bᵀ[jx][k].
      for (let x = 0; x < a; x++) bt(m, base + (<usize>x) * cs, rs, tmp + ((<usize>x) << 4), side);
      const dst = out + ((<usize>c) << 2);
      for (let i = 0; i < a; i++) bt(m, tmp + (<usize>i) * side, 16, dst + (<usize>(i * a)) * strideP, strideP);
    }
  }
}

// @ts-ignore: decorator
@inline function outputTilesOf(
  m: i32, mt: usize, strideP: usize, bias: usize, relu: i32, out: usize, h: i32, w: i32, cp: i32, tilesW: i32, t0: i32, t1: i32, scratch: usize,
): void {
  const a = m + 2;
  const side = (<usize>a) << 4;
  const pixel = (<usize>cp) << 2;
  const row = (<usize>w) * pixel;
  const tmp = scratch; // [m][a] vectors
  const res = scratch + (<usize>m) * side; // [m][m] vectors
  const zero = f32x4.splat(0);
  for (let t = t0; t < t1; t++) {
    const y0 = (t / tilesW) * m;
    const x0 = (t % tilesW) * m;
    const ny = min(m, h - y0);
    const nx = min(m, w - x0);
    const tile = mt + (<usize>t) * pixel;
    for (let c = 0; c < cp; c += 4) {
      const src = tile + ((<usize>c) << 2);
      // Columns: tmp[r][x] = Σ_i Aᵀ[r][i]·m[i][x]; rows: res[r][q] = Σ_k tmp[r][k]·Aᵀ[q][k].
      for (let x = 0; x < a; x++) at(m, src + (<usize>x) * strideP, strideP * a, tmp + ((<usize>x) << 4), side);
      for (let r = 0; r < m; r++) at(m, tmp + (<usize>r) * side, 16, res + (<usize>(r * m)) * 16, 16);
      const b = bias ? v128.load(bias + ((<usize>c) << 2)) : zero;
      for (let r = 0; r < ny; r++) {
        const dst = out + (<usize>(y0 + r)) * row + (<usize>x0) * pixel + ((<usize>c) << 2);
        for (let q = 0; q < nx; q++) {
          // No `+ 0` for a missing bias: it would turn −0 into +0.
          let v = v128.load(res + ((<usize>(r * m + q)) << 4));
          if (bias) v = f32x4.add(v, b);
          if (relu) v = f32x4.max(v, zero);
          v128.store(dst + (<usize>q) * pixel, v);
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function weightTilesOf(m: i32, src: usize, kPad: usize, nPad: i32, dst: usize, c0: usize, c1: usize, scratch: usize): void {
  const a = m + 2;
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
        gt(m, v128.load(gb), v128.load(gb + tap * 3), v128.load(gb + tap * 6), scratch + ((<usize>b) << 4), 48);
      }
      // Rows: U[i][jj] = Σ_b t[i][b]·G[jj][b], stored at position p = a·i + jj.
      const out = dst + ((((<usize>(co >> 3)) * kPad * 8) + ci * 8 + (<usize>(co & 7))) << 2);
      for (let i = 0; i < a; i++) {
        const t = scratch + (<usize>i) * 48;
        gt(m, v128.load(t), v128.load(t, 16), v128.load(t, 32), out + (<usize>(i * a)) * perPosition, perPosition);
      }
    }
  }
}

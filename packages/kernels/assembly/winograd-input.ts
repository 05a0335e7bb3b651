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
} from './abi.generated';
import { arg, argPtr, min } from './common';

/**
 * Bᵀ·d over six vectors d_k = src + k·stride, written to dst + k·dstStride (F(4×4,3×3)):
 * rows of Bᵀ = [4 0 -5 0 1 0], [0 -4 -4 1 1 0], [0 4 -4 -1 1 0], [0 -2 -1 2 1 0], [0 2 -1 -2 1 0], [0 4 0 -5 0 1].
 */
// @ts-ignore: decorator
@inline function bt6(src: usize, stride: usize, dst: usize, dstStride: usize): void {
  const d0 = v128.load(src);
  const d1 = v128.load(src + stride);
  const d2 = v128.load(src + (stride << 1));
  const d3 = v128.load(src + stride * 3);
  const d4 = v128.load(src + (stride << 2));
  const d5 = v128.load(src + stride * 5);
  const four = f32x4.splat(4);
  const five = f32x4.splat(5);
  const two = f32x4.splat(2);
  v128.store(dst, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
  v128.store(dst + dstStride, f32x4.sub(f32x4.add(d3, d4), f32x4.mul(four, f32x4.add(d1, d2))));
  v128.store(dst + (dstStride << 1), f32x4.add(f32x4.sub(d4, d3), f32x4.mul(four, f32x4.sub(d1, d2))));
  const e = f32x4.sub(d4, d2);
  const f = f32x4.mul(two, f32x4.sub(d3, d1));
  v128.store(dst + dstStride * 3, f32x4.add(e, f));
  v128.store(dst + (dstStride << 2), f32x4.sub(e, f));
  v128.store(dst + dstStride * 5, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
}

/**
 * One job of the Winograd input transform over a chunk of the batch's tiles: rows [j·perJob, …)
 * of V are the batch's tiles first + row (tile g is tile g % tiles of image g / tiles), each 6×6
 * patch at (4·ty − 1, 4·tx − 1) (zero outside the map) → V[p][row][c], p = 6·row + column.
 * Rows from `count` up to `rows` are written as zeros (GEMM rows padded to MR).
 * Args (WINOGRAD_INPUT_*): src, imageBytes, h, w, cp, v, tilesW, tiles (per image), first, count,
 * rows, perJob. Scratch: 36·16 bytes patch + 36·16 bytes row-transformed.
 */
export function winogradInputJob(ctrl: usize, j: i32, scratch: usize): void {
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
      // Padding rows: with tiles = 0 every row is written as zeros.
      inputTiles(src, h, w, cp, tilesW, 0, r, r1, v, strideP, scratch);
      break;
    }
    const g = first + r;
    const t = g % tiles;
    const n = min(min(r1, count) - r, tiles - t);
    const image = src + (<usize>(g / tiles)) * imageBytes;
    inputTiles(image, h, w, cp, tilesW, tiles, t, t + n, v + (<usize>r) * pixel - (<usize>t) * pixel, strideP, scratch);
    r += n;
  }
}

/**
 * Input transform of tiles [t0, t1) (zeros from `tiles` on) into V[p][t][c] at v + t·pixel +
 * p·strideP; callers with a tile-block buffer pass v already shifted back by t0·pixel.
 */
export function inputTiles(
  src: usize, h: i32, w: i32, cp: i32, tilesW: i32, tiles: i32, t0: i32, t1: i32, v: usize, strideP: usize, scratch: usize,
): void {
  const pixel = (<usize>cp) << 2;
  const row = (<usize>w) * pixel;
  const patch = scratch;
  const tmp = scratch + 576;
  for (let t = t0; t < t1; t++) {
    const out = v + (<usize>t) * pixel;
    if (t >= tiles) {
      for (let p = 0; p < 36; p++) memory.fill(out + (<usize>p) * strideP, 0, pixel);
      continue;
    }
    const y0 = (t / tilesW) * 4 - 1;
    const x0 = (t % tilesW) * 4 - 1;
    const inside = y0 >= 0 && x0 >= 0 && y0 + 6 <= h && x0 + 6 <= w;
    for (let c = 0; c < cp; c += 4) {
      let base: usize;
      let rs: usize;
      let cs: usize;
      if (inside) {
        base = src + (<usize>y0) * row + (<usize>x0) * pixel + ((<usize>c) << 2);
        rs = row;
        cs = pixel;
      } else {
        for (let dy = 0; dy < 6; dy++) {
          const y = y0 + dy;
          for (let dx = 0; dx < 6; dx++) {
            const x = x0 + dx;
            const dst = patch + ((<usize>(dy * 6 + dx)) << 4);
            if (y >= 0 && y < h && x >= 0 && x < w) {
              v128.store(dst, v128.load(src + (<usize>y) * row + (<usize>x) * pixel + ((<usize>c) << 2)));
            } else {
              v128.store(dst, f32x4.splat(0));
            }
          }
        }
        base = patch;
        rs = 96;
        cs = 16;
      }
      // Columns first: tmp[i][x] = Σ_k Bᵀ[i][k]·d[k][x].
      for (let x = 0; x < 6; x++) bt6(base + (<usize>x) * cs, rs, tmp + ((<usize>x) << 4), 96);
      // Then rows: V[i·6 + jx] = Σ_k tmp[i][k]·Bᵀ[jx][k].
      const dst = out + ((<usize>c) << 2);
      for (let i = 0; i < 6; i++) bt6(tmp + (<usize>i) * 96, 16, dst + (<usize>(i * 6)) * strideP, strideP);
    }
  }
}

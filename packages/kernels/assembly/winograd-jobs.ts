import {
  TRANSFORM_SCRATCH,
  WINOGRAD_FUSED_BIAS,
  WINOGRAD_FUSED_H,
  WINOGRAD_FUSED_K,
  WINOGRAD_FUSED_N,
  WINOGRAD_FUSED_OUT,
  WINOGRAD_FUSED_OUT_IMAGE_BYTES,
  WINOGRAD_FUSED_RELU,
  WINOGRAD_FUSED_SRC,
  WINOGRAD_FUSED_SRC_IMAGE_BYTES,
  WINOGRAD_FUSED_TILES,
  WINOGRAD_FUSED_TILES_PER_JOB,
  WINOGRAD_FUSED_TILES_W,
  WINOGRAD_FUSED_U,
  WINOGRAD_FUSED_W,
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
import { arg, argPtr, min } from './common';
import { gemmBlock } from './gemm';
import { inputTiles, outputTiles, weightTiles } from './winograd-tiles';

// The jobs of the Winograd ops, one per op kind for the three forms F(m×m,3×3), m = 2, 4 or 6
// (index.ts passes the op's m): they read the op's arguments and split a job's rows over the
// batch's images; the tile loops are in winograd-tiles.ts, the transforms in winograd2/4/6.ts.
// The forms' ops (WINOGRAD2_*, WINOGRAD6_*) take the F(4×4) ops' arguments.

/**
 * One job of the input transform over a chunk of the batch's tiles: rows [j·perJob, …) of V are
 * the batch's tiles first + row (tile g is tile g % tiles of image g / tiles), each patch at
 * (m·ty − 1, m·tx − 1) (zero outside the map) → V[p][row][c]. Rows from `count` up to `rows` are
 * written as zeros (GEMM rows padded to MR).
 * Args (WINOGRAD_INPUT_*): src, imageBytes, h, w, cp, v, tilesW, tiles (per image), first, count,
 * rows, perJob. Scratch: see inputTiles.
 */
export function winogradInputJob(ctrl: usize, j: i32, scratch: usize, m: i32): void {
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
      inputTiles(m, src, h, w, cp, tilesW, 0, r, r1, v, strideP, scratch);
      break;
    }
    const g = first + r;
    const t = g % tiles;
    const n = min(min(r1, count) - r, tiles - t);
    const image = src + (<usize>(g / tiles)) * imageBytes;
    inputTiles(m, image, h, w, cp, tilesW, tiles, t, t + n, v + (<usize>r) * pixel - (<usize>t) * pixel, strideP, scratch);
    r += n;
  }
}

/**
 * One job of the output transform over a chunk of the batch's tiles (see winogradInputJob): rows
 * [j·perJob, …) of M (up to `count`) → m×m outputs + bias, ReLU, clipped at the map's bottom and
 * right edges, into their image of the batch.
 * Args (WINOGRAD_OUTPUT_*): m, bias (0: none), relu (0: linear, the reverse pass's conv ∂x), out,
 * imageBytes (of out), h, w, cp (output), tilesW, tiles, first, count, rows (of M), perJob.
 * Scratch: see outputTiles.
 */
export function winogradOutputJob(ctrl: usize, j: i32, scratch: usize, m: i32): void {
  const mm = argPtr(ctrl, WINOGRAD_OUTPUT_M);
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
    outputTiles(m, mm + (<usize>r) * pixel - (<usize>t) * pixel, strideP, bias, relu, image, h, w, cp, tilesW, t, t + n, scratch);
    r += n;
  }
}

/**
 * One job of the weight transform U = G·g·Gᵀ: input channels [j·perJob, …) of a 3×3 kernel stored
 * HWIO with both channel axes zero-padded ([3][3][kPad][nPad]), four output channels per vector,
 * into the GEMM's packed layout U[p][n/8][k][n%8], p = (m + 2)·row + column.
 * Args (WINOGRAD_WEIGHTS_*): src, kPad, nPad, dst, perJob (input channels per job). Scratch: see weightTiles.
 */
export function winogradWeightsJob(ctrl: usize, j: i32, scratch: usize, m: i32): void {
  const kPad = <usize>arg(ctrl, WINOGRAD_WEIGHTS_K_PAD);
  const perJob = <usize>arg(ctrl, WINOGRAD_WEIGHTS_PER_JOB);
  const c0 = (<usize>j) * perJob;
  const c1 = c0 + perJob < kPad ? c0 + perJob : kPad;
  const src = argPtr(ctrl, WINOGRAD_WEIGHTS_SRC);
  const dst = argPtr(ctrl, WINOGRAD_WEIGHTS_DST);
  weightTiles(m, src, kPad, arg(ctrl, WINOGRAD_WEIGHTS_N_PAD), dst, c0, c1, scratch);
}

/**
 * One job of a whole Winograd conv for a block of tiles of one image of the batch, kept in this
 * thread's scratch: input transform → (m + 2)² GEMMs → output transform + bias + ReLU (or linear). V
 * and M never leave L2, where the phased path streams them through memory with 36 or 64 concurrent
 * streams (more than the hardware prefetchers follow). Pays when U is small enough to stay cached
 * across blocks (early layers; conv-winograd.ts decides). Job j is block j % blocksPerImage of image j / blocksPerImage.
 * Args (WINOGRAD_FUSED_*): src, srcImageBytes, h, w, k (= input Cp), u, n (= output Cp), bias
 * (0: none), relu (0: linear, the reverse pass's conv ∂x), out, outImageBytes, tilesW, tiles
 * (per image), tilesPerJob.
 * Scratch: the transforms' TRANSFORM_SCRATCH, then V [(m + 2)²][tilesPerJob][K] and M [(m + 2)²][tilesPerJob][N].
 */
export function winogradFusedJob(ctrl: usize, j: i32, scratch: usize, m: i32): void {
  const positions = <usize>((m + 2) * (m + 2));
  const k = arg(ctrl, WINOGRAD_FUSED_K);
  const n = arg(ctrl, WINOGRAD_FUSED_N);
  const tiles = arg(ctrl, WINOGRAD_FUSED_TILES);
  const perJob = arg(ctrl, WINOGRAD_FUSED_TILES_PER_JOB);
  const blocksPerImage = (tiles + perJob - 1) / perJob;
  const image = <usize>(j / blocksPerImage);
  const t0 = (j % blocksPerImage) * perJob;
  const t1 = min(tiles, t0 + perJob);
  const rows = (t1 - t0 + 3) & ~3;
  const kBytes = (<usize>k) << 2;
  const nBytes = (<usize>n) << 2;
  const strideV = (<usize>perJob) * kBytes;
  const strideM = (<usize>perJob) * nBytes;
  const v = scratch + TRANSFORM_SCRATCH;
  const mm = v + positions * strideV;
  const h = arg(ctrl, WINOGRAD_FUSED_H);
  const w = arg(ctrl, WINOGRAD_FUSED_W);
  const tilesW = arg(ctrl, WINOGRAD_FUSED_TILES_W);
  const src = argPtr(ctrl, WINOGRAD_FUSED_SRC) + image * argPtr(ctrl, WINOGRAD_FUSED_SRC_IMAGE_BYTES);
  const out = argPtr(ctrl, WINOGRAD_FUSED_OUT) + image * argPtr(ctrl, WINOGRAD_FUSED_OUT_IMAGE_BYTES);
  // Tiles t0 + rows may pass `tiles`: inputTiles writes those rows as zeros.
  inputTiles(m, src, h, w, k, tilesW, tiles, t0, t0 + rows, v - (<usize>t0) * kBytes, strideV, scratch);
  const u = argPtr(ctrl, WINOGRAD_FUSED_U);
  const uStride = (<usize>k) * nBytes;
  for (let p: usize = 0; p < positions; p++) {
    gemmBlock(v + p * strideV, kBytes, u + p * uStride, mm + p * strideM, nBytes, 0, rows, k, 0, n, 0, 0);
  }
  const bias = argPtr(ctrl, WINOGRAD_FUSED_BIAS);
  const relu = arg(ctrl, WINOGRAD_FUSED_RELU);
  outputTiles(m, mm - (<usize>t0) * nBytes, strideM, bias, relu, out, h, w, n, tilesW, t0, t1, scratch);
}

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
} from './abi.generated';
import { arg, argPtr, min } from './common';
import { gemmBlock } from './gemm';
import { inputTiles } from './winograd-input';
import { outputTiles } from './winograd-output';
import { inputTiles6, outputTiles6 } from './winograd6';

/**
 * One job of a whole Winograd conv for a block of tiles of one image of the batch, kept in this
 * thread's scratch: input transform → 36 GEMMs → output transform + bias + ReLU (or linear). V
 * and M never leave L2, where the phased path streams them through memory with 36 concurrent
 * streams (more than the hardware prefetchers follow). Pays when U is small enough to stay cached
 * across blocks (early layers; conv-winograd.ts decides). Job j is block j % blocksPerImage of image j / blocksPerImage.
 * Args (WINOGRAD_FUSED_*): src, srcImageBytes, h, w, k (= input Cp), u, n (= output Cp), bias
 * (0: none), relu (0: linear, the reverse pass's conv ∂x), out, outImageBytes, tilesW, tiles
 * (per image), tilesPerJob.
 * Scratch: the transforms' TRANSFORM_SCRATCH, then V [36][tilesPerJob][K] and M [36][tilesPerJob][N].
 */
export function winogradFusedJob(ctrl: usize, j: i32, scratch: usize): void {
  fusedJob(ctrl, j, scratch, 4);
}

/** winogradFusedJob with F(6×6,3×3) (winograd6.ts): 64 positions, V [64][tilesPerJob][K], M [64][tilesPerJob][N]. */
export function winograd6FusedJob(ctrl: usize, j: i32, scratch: usize): void {
  fusedJob(ctrl, j, scratch, 6);
}

/** The fused job for output tiles of side `m` (4 or 6, a constant at each call: the branches fold away). */
// @ts-ignore: decorator
@inline function fusedJob(ctrl: usize, j: i32, scratch: usize, m: i32): void {
  const positions: usize = m == 6 ? 64 : 36;
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
  if (m == 6) inputTiles6(src, h, w, k, tilesW, tiles, t0, t0 + rows, v - (<usize>t0) * kBytes, strideV, scratch);
  else inputTiles(src, h, w, k, tilesW, tiles, t0, t0 + rows, v - (<usize>t0) * kBytes, strideV, scratch);
  const u = argPtr(ctrl, WINOGRAD_FUSED_U);
  const uStride = (<usize>k) * nBytes;
  for (let p: usize = 0; p < positions; p++) {
    gemmBlock(v + p * strideV, kBytes, u + p * uStride, mm + p * strideM, nBytes, 0, rows, k, 0, n, 0, 0);
  }
  const bias = argPtr(ctrl, WINOGRAD_FUSED_BIAS);
  const relu = arg(ctrl, WINOGRAD_FUSED_RELU);
  if (m == 6) outputTiles6(mm - (<usize>t0) * nBytes, strideM, bias, relu, out, h, w, n, tilesW, t0, t1, scratch);
  else outputTiles(mm - (<usize>t0) * nBytes, strideM, bias, relu, out, h, w, n, tilesW, t0, t1, scratch);
}

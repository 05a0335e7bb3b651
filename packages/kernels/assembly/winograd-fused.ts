import { arg, argPtr, min } from './common';
import { gemmBlock } from './gemm';
import { inputTiles } from './winograd-input';
import { outputTiles } from './winograd-output';

/**
 * One job of a whole Winograd conv for a block of tiles, kept in this thread's scratch: input
 * transform → 36 GEMMs → output transform + bias + ReLU. V and M never leave L2, where the
 * phased path streams them through memory with 36 concurrent streams (more than the hardware
 * prefetchers follow). Pays when U is small enough to stay cached across blocks (early layers).
 * Args: src, H, W, K (= input Cp), U, N (= output Cp), bias, out, tilesW, tiles, tilesPerJob.
 * Scratch: 4 KiB transforms, then V [36][tilesPerJob][K] and M [36][tilesPerJob][N].
 */
export function winogradFusedJob(ctrl: usize, j: i32, scratch: usize): void {
  const k = arg(ctrl, 3);
  const n = arg(ctrl, 5);
  const tiles = arg(ctrl, 9);
  const perJob = arg(ctrl, 10);
  const t0 = j * perJob;
  const t1 = min(tiles, t0 + perJob);
  const rows = (t1 - t0 + 3) & ~3;
  const kBytes = (<usize>k) << 2;
  const nBytes = (<usize>n) << 2;
  const strideV = (<usize>perJob) * kBytes;
  const strideM = (<usize>perJob) * nBytes;
  const v = scratch + 4096;
  const m = v + 36 * strideV;
  const h = arg(ctrl, 1);
  const w = arg(ctrl, 2);
  const tilesW = arg(ctrl, 8);
  // Tiles t0 + rows may pass `tiles`: inputTiles writes those rows as zeros.
  inputTiles(argPtr(ctrl, 0), h, w, k, tilesW, tiles, t0, t0 + rows, v - (<usize>t0) * kBytes, strideV, scratch);
  const u = argPtr(ctrl, 4);
  const uStride = (<usize>k) * nBytes;
  for (let p: usize = 0; p < 36; p++) {
    gemmBlock(v + p * strideV, kBytes, u + p * uStride, m + p * strideM, nBytes, 0, rows, k, 0, n, 0, 0);
  }
  outputTiles(m - (<usize>t0) * nBytes, strideM, argPtr(ctrl, 6), argPtr(ctrl, 7), h, w, n, tilesW, t0, t1, scratch);
}

import { FUSED_BYTES, MR, roundUp } from './control-block.js';
import { split, type SimdContext } from './context.js';
import type { SimdLayer } from './prepared-layer.js';
import type { SimdTensor } from './simd-tensor.js';

/**
 * 3×3 'same' conv + bias + ReLU by Winograd F(4×4,3×3), one image at a time: input transform
 * (6×6 patches → V[36][tiles][Cin]), 36 GEMMs V_p·U_p → M_p, output transform fused with bias
 * and ReLU. Each phase is one team op; V and M live only during the call. Early layers take the
 * fused path instead: each job runs all three phases on a block of tiles in its thread's scratch.
 */
export function convWinograd(ctx: SimdContext, x: SimdTensor, layer: SimdLayer, out: SimdTensor): void {
  const [n, h, w] = x.shape as [number, number, number, number];
  const tilesW = Math.ceil(w / 4);
  const tiles = Math.ceil(h / 4) * tilesW;
  const fusedTiles = tilesPerFusedJob(ctx, layer, tiles);
  if (fusedTiles > 0) {
    const jobs = Math.ceil(tiles / fusedTiles);
    for (let b = 0; b < n; b++) {
      ctx.team.run('winogradFused', jobs, [
        x.ptr + b * x.imageBytes,
        h,
        w,
        layer.inStride,
        layer.weights,
        layer.outStride,
        layer.bias,
        out.ptr + b * out.imageBytes,
        tilesW,
        tiles,
        fusedTiles,
      ]);
    }
    return;
  }
  const padded = roundUp(tiles, MR);
  const k = layer.inStride;
  const nOut = layer.outStride;
  const threads = ctx.team.threads;
  const v = ctx.arena.alloc(36 * padded * k * 4, `${layer.name} Winograd input`);
  let m = 0;
  try {
    m = ctx.arena.alloc(36 * padded * nOut * 4, `${layer.name} Winograd output`);
    const [inPerJob, inJobs] = split(padded, threads, 32);
    const [outPerJob, outJobs] = split(tiles, threads, 32);
    // A row block of V_p stays in L2 while the B panels stream through L1.
    const rowsPerJob = Math.min(padded, Math.max(MR, Math.floor(16384 / k / MR) * MR));
    const rowBlocks = Math.ceil(padded / rowsPerJob);
    // Few tiles (deep blocks): also split the columns so every thread has work.
    const colsPerJob = 36 * rowBlocks >= 8 * threads ? nOut : Math.max(8, roundUp(Math.ceil(nOut / 4), 8));
    const gemmJobs = 36 * rowBlocks * Math.ceil(nOut / colsPerJob);
    for (let b = 0; b < n; b++) {
      const src = x.ptr + b * x.imageBytes;
      const dst = out.ptr + b * out.imageBytes;
      ctx.team.run('winogradInput', inJobs, [src, h, w, k, v, tilesW, tiles, padded, inPerJob]);
      ctx.team.run('gemm', gemmJobs, [
        v,
        k * 4,
        padded * k * 4,
        layer.weights,
        k * nOut * 4,
        m,
        nOut * 4,
        padded * nOut * 4,
        padded,
        k,
        nOut,
        rowsPerJob,
        0,
        0,
        colsPerJob,
      ]);
      ctx.team.run('winogradOutput', outJobs, [m, layer.bias, dst, h, w, nOut, tilesW, tiles, padded, outPerJob]);
    }
  } finally {
    if (m) ctx.arena.release(m);
    ctx.arena.release(v);
  }
}

/** U at most this big stays in L2/L3 across tile blocks: fusion pays (VGG: block1_conv2 to block2_conv2). */
const FUSED_MAX_U_BYTES = 3 * 2 ** 20;

/**
 * Tiles per job of the fused path (their V and M fill a thread's scratch), or 0 for the phased
 * path: deep layers have few tiles and a U of 9–38 MB, which each tile block would re-stream.
 */
function tilesPerFusedJob(ctx: SimdContext, layer: SimdLayer, tiles: number): number {
  const k = layer.inStride;
  const nOut = layer.outStride;
  const fits = Math.floor(FUSED_BYTES / (36 * (k + nOut) * 4) / MR) * MR;
  if (fits < MR) return 0;
  if (ctx.fusion === 'never' || (ctx.fusion === 'auto' && 36 * k * nOut * 4 > FUSED_MAX_U_BYTES)) return 0;
  // Several jobs per thread, so a slowed thread does not hold up the layer.
  return Math.max(MR, Math.min(fits, roundUp(Math.ceil(tiles / (4 * ctx.team.threads)), MR)));
}

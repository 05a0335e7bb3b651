import { FUSED_BYTES, MR, roundUp } from './control-block.js';
import { split, type SimdContext } from './context.js';
import type { SimdLayer } from './prepared-layer.js';
import type { SimdTensor } from './simd-tensor.js';

/**
 * 3×3 'same' conv + bias + ReLU by Winograd F(4×4,3×3) (or F(2×2,3×3): 16 positions, see
 * prepared-layer.ts) over the whole batch: input transform
 * (6×6 patches → V[36][tiles][Cin]), 36 GEMMs V_p·U_p → M_p, output transform fused with bias
 * and ReLU. The batch's tiles are one sequence (image after image) cut into chunks whose V and M
 * fit `ctx.chunkBytes` (memory then follows the layer's input and output, not 36× the map: at
 * 2048² block3_conv2 would need 1.2 GB of V and M for one image); each phase is one team op per chunk, so at batch 8 the deep layers
 * read U (the B panels) once for several images. Early layers take the fused path instead: each
 * job runs all three phases on a block of tiles of one image in its thread's scratch.
 * Every output element is computed the same way whatever the chunking, batch or thread count.
 * `output` 'linear': neither bias nor ReLU — the reverse pass's conv ∂x (backward-ops.ts) takes
 * this same path, so its scratch is bounded like the forward's.
 */
export function convWinograd(
  ctx: SimdContext,
  x: SimdTensor,
  layer: SimdLayer,
  out: SimdTensor,
  output: 'relu' | 'linear' = 'relu',
): void {
  const [n, h, w] = x.shape as [number, number, number, number];
  const bias = output === 'relu' ? layer.bias : 0;
  const relu = output === 'relu' ? 1 : 0;
  const f = layer.algorithm === 'winograd2' ? F2 : F4;
  const tilesW = Math.ceil(w / f.m);
  const tiles = Math.ceil(h / f.m) * tilesW;
  const fusedTiles = f === F4 ? tilesPerFusedJob(ctx, layer, tiles) : 0;
  if (fusedTiles > 0) {
    ctx.team.run('winogradFused', n * Math.ceil(tiles / fusedTiles), {
      src: x.ptr,
      srcImageBytes: x.imageBytes,
      h,
      w,
      k: layer.inStride,
      u: layer.weights,
      n: layer.outStride,
      bias,
      relu,
      out: out.ptr,
      outImageBytes: out.imageBytes,
      tilesW,
      tiles,
      tilesPerJob: fusedTiles,
    });
    return;
  }
  const k = layer.inStride;
  const nOut = layer.outStride;
  const total = n * tiles;
  const chunk = winogradChunkRows(k, nOut, total, ctx.chunkBytes, f.positions);
  const threads = ctx.team.threads;
  const v = ctx.arena.alloc(f.positions * chunk * k * 4, `${layer.name} Winograd input`);
  let m = 0;
  try {
    m = ctx.arena.alloc(f.positions * chunk * nOut * 4, `${layer.name} Winograd output`);
    for (let first = 0; first < total; first += chunk) {
      const count = Math.min(chunk, total - first);
      const rows = roundUp(count, MR);
      const [inPerJob, inJobs] = split(rows, threads, 32);
      const [outPerJob, outJobs] = split(count, threads, 32);
      // A row block of V_p stays in L2 while the B panels stream through L1.
      const rowsPerJob = Math.min(rows, Math.max(MR, Math.floor(16384 / k / MR) * MR));
      const rowBlocks = Math.ceil(rows / rowsPerJob);
      // Few tiles (deep blocks): also split the columns so every thread has work.
      const colsPerJob = f.positions * rowBlocks >= 8 * threads ? nOut : Math.max(8, roundUp(Math.ceil(nOut / 4), 8));
      const gemmJobs = f.positions * rowBlocks * Math.ceil(nOut / colsPerJob);
      const common = { h, w, tilesW, tiles, first, count, rows };
      ctx.team.run(f.input, inJobs, {
        ...common,
        src: x.ptr,
        imageBytes: x.imageBytes,
        cp: k,
        v,
        perJob: inPerJob,
      });
      ctx.team.run('gemm', gemmJobs, {
        a: v,
        lda: k * 4,
        strideA: rows * k * 4,
        b: layer.weights,
        strideB: k * nOut * 4,
        c: m,
        ldc: nOut * 4,
        strideC: rows * nOut * 4,
        rows,
        k,
        n: nOut,
        rowsPerJob,
        bias: 0,
        relu: 0,
        colsPerJob,
      });
      ctx.team.run(f.output, outJobs, {
        ...common,
        m,
        bias,
        relu,
        out: out.ptr,
        imageBytes: out.imageBytes,
        cp: nOut,
        perJob: outPerJob,
      });
    }
  } finally {
    if (m) ctx.arena.release(m);
    ctx.arena.release(v);
  }
}

/** Tiles per chunk of the phased path (a multiple of MR): all of them when V and M fit the budget. */
export function winogradChunkRows(k: number, nOut: number, tiles: number, chunkBytes: number, positions = 36): number {
  const fits = Math.max(MR, Math.floor(chunkBytes / (positions * (k + nOut) * 4) / MR) * MR);
  return Math.min(roundUp(tiles, MR), fits);
}

/** F(m×m, 3×3): output tile side, transform positions ((m + 2)²), and its two transform ops. */
const F4 = { m: 4, positions: 36, input: 'winogradInput', output: 'winogradOutput' } as const;
const F2 = { m: 2, positions: 16, input: 'winograd2Input', output: 'winograd2Output' } as const;

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

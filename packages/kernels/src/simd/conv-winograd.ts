import { FUSED_BYTES, MR, roundUp } from './control-block.js';
import { split, type SimdContext } from './context.js';
import type { SimdLayer } from './prepared-layer.js';
import type { SimdTensor } from './simd-tensor.js';

/**
 * 3×3 'same' conv + bias + ReLU by Winograd F(4×4,3×3) (or F(2×2,3×3): 16 positions, F(6×6,3×3):
 * 64 positions, see prepared-layer.ts) over the whole batch: input transform
 * (6×6 patches → V[36][tiles][Cin]), 36 GEMMs V_p·U_p → M_p, output transform fused with bias
 * and ReLU. The batch's tiles are one sequence (image after image) cut into chunks whose V and M
 * fit `ctx.chunkBytes` (memory then follows the layer's input and output, not 36× the map: at
 * 2048² block3_conv2 would need 1.2 GB of V and M for one image); each phase is one team op per chunk, so at batch 8 the deep layers
 * read U (the B panels) once for several images. Layers whose U stays cached (early ones) take the
 * fused path instead: each job runs all three phases on a block of tiles of one image in its thread's scratch.
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
  const f = winogradForm(layer.algorithm);
  const tilesW = Math.ceil(w / f.m);
  const tiles = Math.ceil(h / f.m) * tilesW;
  const fusedTiles = tilesPerFusedJob(ctx, layer, tiles, f);
  if (f.fused && fusedTiles > 0) {
    ctx.team.run(f.fused.op, n * Math.ceil(tiles / fusedTiles), {
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

/** F(m×m, 3×3): output tile side, transform positions ((m + 2)²), its transform ops and its fused op (if any). */
interface WinogradForm {
  readonly m: number;
  readonly positions: number;
  readonly input: 'winogradInput' | 'winograd2Input' | 'winograd6Input';
  readonly output: 'winogradOutput' | 'winograd2Output' | 'winograd6Output';
  readonly fused?: {
    readonly op: 'winogradFused' | 'winograd6Fused';
    /** U at most this big stays in L2/L3 across tile blocks: fusion pays ('auto'). */
    readonly maxUBytes: number;
    /** Tiles per job (else: as many as fit a thread's scratch, several jobs per thread). */
    readonly tilesPerJob?: number;
  };
}
/**
 * F(4×4) fuses where U ≤ 12 MiB (VGG at 224²: block3_conv2 … block3_conv4, 9 MiB each; U stays in
 * L3 across tile blocks). One thread, CPU ms per image, fused vs phased: block3_conv2 22.1 vs 23.7
 * (batch 1) and 21.6 vs 23.3 (batch 8); block4_conv1 (18 MiB) 11.8 vs 12.9 at batch 1 but 11.5 vs
 * 11.1 at batch 8, where the phased path reads U once per chunk of images: it stays phased.
 */
const F4: WinogradForm = {
  m: 4,
  positions: 36,
  input: 'winogradInput',
  output: 'winogradOutput',
  fused: { op: 'winogradFused', maxUBytes: 12 * 2 ** 20 },
};
const F2: WinogradForm = { m: 2, positions: 16, input: 'winograd2Input', output: 'winograd2Output' };
/**
 * F(6×6) fuses wherever the plan picks it (U ≤ 8 MiB), one GEMM row block (4 tiles) per job: its V
 * and M (128 KiB at 64 channels) then leave L2 to U. Measured on VGG16 224², one thread: block1_conv2
 * 22 ms with 4 tiles a job, 24 with 8, 29 with 16 (F(4×4) fused: 26); block3_conv1 10.7 fused vs 11.8 phased.
 */
const F6: WinogradForm = {
  m: 6,
  positions: 64,
  input: 'winograd6Input',
  output: 'winograd6Output',
  fused: { op: 'winograd6Fused', maxUBytes: 8 * 2 ** 20, tilesPerJob: MR },
};

/** The form of a Winograd layer (`SimdLayer.algorithm`). */
export function winogradForm(algorithm: SimdLayer['algorithm']): WinogradForm {
  return algorithm === 'winograd2' ? F2 : algorithm === 'winograd6' ? F6 : F4;
}

/**
 * Tiles per job of the fused path (their V and M fill a thread's scratch), or 0 for the phased
 * path: deep layers have few tiles and a U of 9–38 MB, which each tile block would re-stream.
 */
function tilesPerFusedJob(ctx: SimdContext, layer: SimdLayer, tiles: number, f: WinogradForm): number {
  const k = layer.inStride;
  const nOut = layer.outStride;
  const fits = Math.floor(FUSED_BYTES / (f.positions * (k + nOut) * 4) / MR) * MR;
  if (!f.fused || fits < MR) return 0;
  if (ctx.fusion === 'never' || (ctx.fusion === 'auto' && f.positions * k * nOut * 4 > f.fused.maxUBytes)) return 0;
  if (f.fused.tilesPerJob) return Math.min(fits, f.fused.tilesPerJob);
  // Several jobs per thread, so a slowed thread does not hold up the layer.
  return Math.max(MR, Math.min(fits, roundUp(Math.ceil(tiles / (4 * ctx.team.threads)), MR)));
}

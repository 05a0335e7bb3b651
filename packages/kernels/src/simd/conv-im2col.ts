import { MR, roundUp } from './control-block.js';
import { split, type SimdContext } from './context.js';
import type { SimdLayer } from './prepared-layer.js';
import type { SimdTensor } from './simd-tensor.js';

/**
 * 3×3 'same' conv + bias + ReLU as im2col + one GEMM writing straight into the output map (its
 * slack rows take the padded tile rows), chunk by chunk of pixels (`ctx.chunkBytes` of im2col
 * matrix: block1_conv1 at 2048² would need 450 MB at once). For layers with few input
 * channels, where Winograd's transforms cost more than they save (block1_conv1: 3 channels, K = 27).
 * `output` 'linear': neither bias nor ReLU (the reverse pass's conv ∂x, see backward-ops.ts).
 */
export function convIm2col(
  ctx: SimdContext,
  x: SimdTensor,
  layer: SimdLayer,
  out: SimdTensor,
  output: 'relu' | 'linear' = 'relu',
): void {
  const [n, h, w] = x.shape as [number, number, number, number];
  const pixels = h * w;
  const k = 9 * layer.inputs;
  const nOut = layer.outStride;
  const threads = ctx.team.threads;
  const chunk = im2colChunkRows(k, pixels, ctx.chunkBytes);
  const cols = ctx.arena.alloc(chunk * k * 4, `${layer.name} im2col`);
  try {
    for (let b = 0; b < n; b++) {
      const src = x.ptr + b * x.imageBytes;
      for (let first = 0; first < pixels; first += chunk) {
        const rows = Math.min(chunk, roundUp(pixels - first, MR));
        const [perJob, jobs] = split(rows, threads, 256);
        const rowsPerJob = Math.min(rows, Math.max(MR, Math.min(256, roundUp(Math.ceil(rows / (8 * threads)), MR))));
        ctx.team.run('im2col', jobs, {
          src,
          h,
          w,
          cp: x.stride,
          c: layer.inputs,
          dst: cols,
          pixels,
          first,
          rows,
          perJob,
        });
        ctx.team.run('gemm', Math.ceil(rows / rowsPerJob), {
          a: cols,
          lda: k * 4,
          strideA: 0,
          b: layer.weights,
          strideB: 0,
          c: out.ptr + b * out.imageBytes + first * nOut * 4,
          ldc: nOut * 4,
          strideC: 0,
          rows,
          k,
          n: nOut,
          rowsPerJob,
          bias: output === 'relu' ? layer.bias : 0,
          relu: output === 'relu' ? 1 : 0,
          colsPerJob: nOut,
        });
      }
    }
  } finally {
    ctx.arena.release(cols);
  }
}

/** Pixels per chunk (a multiple of MR): the whole image when its im2col matrix fits the budget. */
export function im2colChunkRows(k: number, pixels: number, chunkBytes: number): number {
  const fits = Math.max(MR, Math.floor(chunkBytes / (k * 4) / MR) * MR);
  return Math.min(roundUp(pixels, MR), fits);
}

import { MR, roundUp } from './control-block.js';
import { split, type SimdContext } from './context.js';
import type { SimdLayer } from './prepared-layer.js';
import type { SimdTensor } from './simd-tensor.js';

/**
 * 3×3 'same' conv + bias + ReLU as im2col + one GEMM writing straight into the output map (its
 * slack rows take the padded tile rows). For layers with few input channels, where Winograd's
 * transforms cost more than they save (block1_conv1: 3 channels, K = 27).
 */
export function convIm2col(ctx: SimdContext, x: SimdTensor, layer: SimdLayer, out: SimdTensor): void {
  const [n, h, w] = x.shape as [number, number, number, number];
  const pixels = h * w;
  const padded = roundUp(pixels, MR);
  const k = 9 * layer.inputs;
  const nOut = layer.outStride;
  const threads = ctx.team.threads;
  const cols = ctx.arena.alloc(padded * k * 4, `${layer.name} im2col`);
  try {
    const [perJob, jobs] = split(padded, threads, 256);
    const rowsPerJob = Math.min(padded, Math.max(MR, Math.min(256, roundUp(Math.ceil(padded / (8 * threads)), MR))));
    const gemmJobs = Math.ceil(padded / rowsPerJob);
    for (let b = 0; b < n; b++) {
      const src = x.ptr + b * x.imageBytes;
      const dst = out.ptr + b * out.imageBytes;
      ctx.team.run('im2col', jobs, [src, h, w, x.stride, layer.inputs, cols, pixels, padded, perJob]);
      ctx.team.run('gemm', gemmJobs, [
        cols,
        k * 4,
        0,
        layer.weights,
        0,
        dst,
        nOut * 4,
        0,
        padded,
        k,
        nOut,
        rowsPerJob,
        layer.bias,
        1,
        nOut,
      ]);
    }
  } finally {
    ctx.arena.release(cols);
  }
}

import type { DenseActivation } from '@vggscope/core';
import { MR, roundUp } from './control-block.js';
import { f32, type SimdContext } from './context.js';
import type { SimdLayer } from './prepared-layer.js';
import { allocVector, type SimdTensor } from './simd-tensor.js';

/**
 * `x · kernel + bias`, then ReLU (fused in the GEMM) or softmax (float64, in JavaScript: 1000
 * values). The batch is padded to the 4-row register tile and the columns are split across
 * threads, so one image's fc1 (memory-bound: 400 MB of weights) uses every core.
 */
export function dense(ctx: SimdContext, x: SimdTensor, layer: SimdLayer, activation: DenseActivation): SimdTensor {
  const n = x.shape[0]!;
  const rows = roundUp(n, MR);
  const out = allocVector(ctx, n, layer.outputs, layer.outStride, `${layer.name} output`);
  const colsPerJob = Math.max(8, roundUp(Math.ceil(layer.outStride / (16 * ctx.team.threads)), 8));
  const jobs = Math.ceil(layer.outStride / colsPerJob);
  try {
    ctx.team.run('gemm', jobs, {
      a: x.ptr,
      lda: x.imageBytes,
      strideA: 0,
      b: layer.weights,
      strideB: 0,
      c: out.ptr,
      ldc: out.imageBytes,
      strideC: 0,
      rows,
      k: layer.inputs,
      n: layer.outStride,
      rowsPerJob: rows,
      bias: layer.bias,
      relu: activation === 'relu' ? 1 : 0,
      colsPerJob,
    });
  } catch (e) {
    ctx.arena.release(out.ptr);
    throw e;
  }
  if (activation === 'softmax') softmaxRows(ctx, out);
  return out;
}

function softmaxRows(ctx: SimdContext, x: SimdTensor): void {
  const mem = f32(ctx);
  const f = x.shape[1]!;
  for (let b = 0; b < x.shape[0]!; b++) {
    const at = (x.ptr + b * x.imageBytes) / 4;
    let max = -Infinity;
    for (let o = 0; o < f; o++) max = Math.max(max, mem[at + o]!);
    let sum = 0;
    for (let o = 0; o < f; o++) sum += Math.exp(mem[at + o]! - max);
    for (let o = 0; o < f; o++) mem[at + o] = Math.exp(mem[at + o]! - max) / sum;
  }
}

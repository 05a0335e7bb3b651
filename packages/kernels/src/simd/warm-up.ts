import type { GraphLayer, LayerWeights } from '@vggscope/core';
import type { SimdContext } from './context.js';
import { convIm2col } from './conv-im2col.js';
import { convWinograd } from './conv-winograd.js';
import { dense } from './dense.js';
import { maxPool } from './pool-ops.js';
import { disposeLayer, prepareLayer, type ConvAlgorithm } from './prepared-layer.js';
import { allocMap, allocVector } from './simd-tensor.js';
import { sizeOf } from '@vggscope/core';

/**
 * Runs every kernel a few times on a small map, on every thread, when the backend is created:
 * V8 compiles wasm with Liftoff first and does no on-stack replacement, so the first long call
 * of a kernel would otherwise run entirely in baseline code.
 */
export function warmUp(ctx: SimdContext, rounds = 4): void {
  const [h, w, c] = [20, 20, 16];
  const conv = (algorithm: ConvAlgorithm) =>
    prepareLayer(ctx, fakeLayer('conv', [h, w, c], [h, w, c]), weights([3, 3, c, c], c), algorithm);
  const wino = conv('winograd');
  const wino2 = conv('winograd2');
  const wino6 = conv('winograd6');
  const im2col = conv('im2col');
  const fc = prepareLayer(ctx, fakeLayer('dense', [c], [c]), weights([c, c], c));
  const x = allocMap(ctx, 1, h, w, c, 'warm-up');
  const y = allocMap(ctx, 1, h, w, c, 'warm-up');
  const v = allocVector(ctx, 1, c, c, 'warm-up');
  try {
    for (let r = 0; r < rounds; r++) {
      convWinograd({ ...ctx, fusion: 'never' }, x, wino, y);
      convWinograd({ ...ctx, fusion: 'always' }, y, wino, x);
      convWinograd({ ...ctx, fusion: 'never' }, x, wino, y);
      convWinograd(ctx, y, wino2, x);
      convWinograd({ ...ctx, fusion: 'never' }, x, wino6, y);
      convWinograd({ ...ctx, fusion: 'always' }, y, wino6, x);
      convIm2col(ctx, x, im2col, y);
      convIm2col(ctx, y, im2col, x);
      ctx.arena.release(maxPool(ctx, x).ptr);
      ctx.arena.release(dense(ctx, v, fc, 'relu').ptr);
    }
  } finally {
    for (const t of [x, y, v]) ctx.arena.release(t.ptr);
    for (const l of [wino, wino2, wino6, im2col, fc]) disposeLayer(ctx, l);
  }
}

function fakeLayer(kind: 'conv' | 'dense', inputShape: number[], outputShape: number[]): GraphLayer {
  const spec =
    kind === 'conv'
      ? { kind, name: 'warm_up', filters: outputShape[2]! }
      : { kind, name: 'warm_up', units: outputShape[0]!, activation: 'relu' };
  return { index: 0, name: 'warm_up', spec, inputShape, outputShape, weights: [], params: 0 } as unknown as GraphLayer;
}

function weights(shape: number[], outputs: number): LayerWeights {
  const data = new Float32Array(sizeOf(shape)).map((_, i) => ((i * 7919) % 17) / 17 - 0.5);
  return { kernel: { data, shape }, bias: { data: new Float32Array(outputs), shape: [outputs] } };
}

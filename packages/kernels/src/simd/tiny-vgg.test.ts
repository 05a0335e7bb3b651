import { buildGraph, type FloatTensor, type GraphOptions, tinyVgg } from '@vggscope/core';
import { synthWeights } from '@vggscope/synth-weights';
import { relativeL2 } from '@vggscope/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { conv2dRelu } from '../reference/conv2d-relu.js';
import { dense } from '../reference/dense.js';
import { globalPool } from '../reference/global-pool.js';
import { maxPool2x2 } from '../reference/max-pool.js';
import { createSimdBackend, type SimdBackend } from './simd-backend.js';
import type { SimdTensor } from './simd-tensor.js';
import { tensor } from './testdata/simd-test-data.js';

const cases: { model: 'vgg16' | 'vgg19'; options: GraphOptions; fma: boolean; threads: number }[] = [
  { model: 'vgg16', options: { includeTop: true }, fma: true, threads: 2 },
  { model: 'vgg16', options: { inputSize: [33, 47], pooling: 'avg' }, fma: false, threads: 1 },
  { model: 'vgg19', options: { inputSize: [67, 45], pooling: 'max' }, fma: true, threads: 1 },
  { model: 'vgg19', options: { inputSize: [32, 32] }, fma: false, threads: 2 },
];

const open: SimdBackend[] = [];
afterAll(async () => {
  for (const b of open) await b.close();
});

describe('simd backend: a whole tiny-VGG pass, layer by layer vs the reference ops', () => {
  it.each(cases)('$model $options fma=$fma threads=$threads', async ({ model, options, fma, threads }) => {
    const graph = buildGraph(tinyVgg(model, { widths: [4, 8, 12, 16, 20] }), options);
    const weights = synthWeights(graph, 3);
    const backend = await createSimdBackend({ fma, threads });
    open.push(backend);
    await backend.plan?.(graph, 2);
    const [h, w] = graph.inputSize;
    let want: FloatTensor = tensor([2, h, w, 3], 5, 100);
    let got: SimdTensor = await backend.input(want);
    for (const layer of graph.layers.slice(1)) {
      const lw = weights.layers.get(layer.name);
      const spec = layer.spec;
      let next: SimdTensor;
      if (spec.kind === 'conv') {
        next = await backend.conv2dRelu(got, await backend.prepareLayer(layer, lw!));
        want = conv2dRelu(want, lw!.kernel, lw!.bias);
      } else if (spec.kind === 'pool') {
        next = await backend.maxPool2x2(got);
        want = maxPool2x2(want);
      } else if (spec.kind === 'global_pool') {
        next = await backend.globalPool(got, spec.mode);
        want = globalPool(want, spec.mode);
      } else if (spec.kind === 'flatten') {
        next = await backend.flatten(got);
        want = { data: want.data, shape: [2, want.data.length / 2] };
      } else if (spec.kind === 'dense') {
        next = await backend.dense(got, await backend.prepareLayer(layer, lw!), spec.activation);
        want = dense(want, lw!.kernel, lw!.bias, spec.activation);
      } else throw new Error(`unexpected layer ${layer.name}`);
      backend.dispose(got);
      got = next;
      const out = await backend.read(got);
      expect(out.shape, layer.name).toEqual([2, ...layer.outputShape]);
      expect(relativeL2(out.data, want.data), layer.name).toBeLessThan(1e-4);
    }
  });
});

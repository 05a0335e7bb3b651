import { buildGraph, tinyVgg } from '@vggscope/core';
import { synthWeights } from '@vggscope/synth-weights';
import { relativeL2, wavyInput } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES, createBackend } from './backends.js';
import { loadVgg } from './load-vgg.js';

const FAST = BACKEND_NAMES.filter((n) => n !== 'reference');

// Every fast backend in the table against the plain-loop reference backend (float64 sums), on tiny
// VGG-shaped models at odd sizes: relative L2 < 1e-4.
describe.each(FAST)('%s backend vs the reference backend on tiny models (relative L2 < 1e-4)', (backend) => {
  it.each([
    ['vgg16', [32, 32], null, ['block1_conv1', 'block2_pool', 'block5_pool']],
    ['vgg19', [35, 33], 'avg', ['block3_conv4', 'block4_pool', 'global_average_pooling2d']],
    ['vgg16', [67, 45], 'max', ['block1_conv2', 'global_max_pooling2d']],
  ] as const)('%s x=[2,%j,3] pooling=%s', async (model, size, pooling, layers) => {
    const spec = tinyVgg(model);
    const graph = buildGraph(spec, { inputSize: size, pooling });
    const weights = synthWeights(graph, 5);
    const input = wavyInput([2, size[0], size[1], 3], 1.3);
    const ref = await loadVgg({ model: spec, weights, inputSize: size, pooling, layers, backend: 'reference' });
    const fast = await loadVgg({ model: spec, weights, inputSize: size, pooling, layers, backend, threads: 2 });
    const a = await ref.extract(input);
    const b = await fast.extract(input);
    await Promise.all([ref.close(), fast.close()]);
    a.forEach((r, i) => {
      expect(b[i]!.shape).toEqual(r.shape);
      expect(relativeL2(b[i]!.data, r.data), r.layer).toBeLessThan(1e-4);
    });
  });

  it('with the top at 224×224: fc1, fc2 and the softmax agree', async () => {
    const spec = tinyVgg('vgg16');
    const graph = buildGraph(spec, { includeTop: true });
    const weights = synthWeights(graph, 3);
    const input = wavyInput([1, 224, 224, 3], 0.2);
    const opts = { model: spec, weights, includeTop: true, layers: ['block5_pool', 'fc1', 'predictions'] };
    const ref = await loadVgg({ ...opts, backend: 'reference' });
    const fast = await loadVgg({ ...opts, backend });
    const a = await ref.extract(input);
    const b = await fast.extract(input);
    await Promise.all([ref.close(), fast.close()]);
    a.forEach((r, i) => expect(relativeL2(b[i]!.data, r.data), r.layer).toBeLessThan(1e-4));
    expect(b[2]!.data.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
  });
});

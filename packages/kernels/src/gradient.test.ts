import { buildGraph, type FloatTensor, type GraphOptions, tinyVgg, type Vgg } from '@vggscope/core';
import { mulberry32, synthWeights } from '@vggscope/synth-weights';
import { wavyInput } from '@vggscope/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { loadVgg } from './load-vgg.js';
import { channelMean, forward64 } from './testdata/forward64.js';

const open: Vgg[] = [];
afterAll(async () => {
  for (const v of open) await v.close();
});

async function tinyModel(model: 'vgg16' | 'vgg19', options: GraphOptions, backend: string, threads = 1) {
  const spec = tinyVgg(model);
  const graph = buildGraph(spec, options);
  const weights = synthWeights(graph, 5);
  const vgg = await loadVgg({ model: spec, weights, ...options, layers: [graph.layers.length - 1], backend, threads });
  open.push(vgg);
  return { vgg, weights };
}

/**
 * Central differences of an objective (float64 forward) along random directions of the input,
 * against Σ g·d. The network is piecewise linear: a step this small crosses almost no ReLU or pool kink.
 */
function expectInputGradientMatches(
  objective: (x: FloatTensor) => number,
  x: FloatTensor,
  grad: Float32Array,
  o: { eps: number; tol: number; seed: number },
) {
  const rand = mulberry32(o.seed);
  for (let t = 0; t < 3; t++) {
    const d = Float64Array.from(x.data, () => rand() * 2 - 1);
    const at = (s: number) =>
      objective({ data: Float64Array.from(x.data, (v, i) => v + s * o.eps * d[i]!) as never, shape: x.shape });
    const fd = (at(1) - at(-1)) / (2 * o.eps);
    let analytic = 0;
    for (let i = 0; i < grad.length; i++) analytic += grad[i]! * d[i]!;
    expect(Math.abs(fd - analytic) / Math.abs(analytic), `direction ${t}: fd ${fd} vs ${analytic}`).toBeLessThan(o.tol);
  }
}

describe('vgg.gradient on the reference backend vs finite differences (whole network)', () => {
  it('tiny vgg16 with top: class score before softmax, ∂/∂input [1,224,224,3]', async () => {
    const { vgg, weights } = await tinyModel('vgg16', { includeTop: true }, 'reference');
    const x = wavyInput([1, 224, 224, 3], 0.4);
    const r = await vgg.gradient(x, { kind: 'class', class: 7 });
    expect(r.gradient.shape).toEqual([1, 224, 224, 3]);
    expect(r.layer).toBe('input_1');
    const score = (t: FloatTensor) => forward64(vgg.graph, weights, t, 'predictions').data[7]!;
    expect(r.value[0]! / score(x)).toBeCloseTo(1, 5);
    expectInputGradientMatches(score, x, r.gradient.data, { eps: 1e-4, tol: 1e-3, seed: 1 });
  });

  it('tiny vgg19 at 67×45: mean of filter 3 of block4_pool (odd sizes: pools drop a row and a column)', async () => {
    const { vgg, weights } = await tinyModel('vgg19', { inputSize: [67, 45] }, 'reference');
    const x = wavyInput([1, 67, 45, 3], 1.1);
    const r = await vgg.gradient(x, { kind: 'filter', layer: 'block4_pool', filter: 3 });
    const mean = (t: FloatTensor) => channelMean(forward64(vgg.graph, weights, t, 'block4_pool'), 3);
    expect(r.value[0]! / mean(x)).toBeCloseTo(1, 5);
    expect(r.value[0]).toBeGreaterThan(0);
    expectInputGradientMatches(mean, x, r.gradient.data, { eps: 1e-4, tol: 1e-3, seed: 2 });
  });
});

describe('vgg.gradient: bad objectives are typed errors naming the fix', () => {
  it('unknown layer, filter out of range, class without the top, a unit of a map layer', async () => {
    const { vgg } = await tinyModel('vgg16', { inputSize: [32, 32] }, 'reference');
    const x = wavyInput([1, 32, 32, 3]);
    await expect(vgg.gradient(x, { kind: 'filter', layer: 'block6_conv1', filter: 0 })).rejects.toMatchObject({
      code: 'E_UNKNOWN_LAYER',
    });
    await expect(vgg.gradient(x, { kind: 'filter', layer: 'block1_conv1', filter: 4 })).rejects.toThrow(
      /filter 4 does not exist in 'block1_conv1', which has 4 \(0…3\)/,
    );
    await expect(vgg.gradient(x, { kind: 'class', class: 1 })).rejects.toThrow(/includeTop: true/);
    await expect(vgg.gradient(x, { kind: 'unit', layer: 'block5_pool', unit: 0 })).rejects.toThrow(/vector layer/);
  });

  it('a gradient that overflows is E_NON_FINITE naming the layer where it did', async () => {
    const { vgg } = await tinyModel('vgg16', { inputSize: [32, 32] }, 'reference');
    const huge = {
      kind: 'custom',
      layer: 'block4_pool',
      fn: (a: FloatTensor) => ({
        value: new Float32Array(a.shape[0]!),
        gradient: { data: new Float32Array(a.data.length).fill(3e38), shape: a.shape },
      }),
    } as const;
    await expect(vgg.gradient(wavyInput([1, 32, 32, 3]), huge)).rejects.toMatchObject({
      code: 'E_NON_FINITE',
      message: expect.stringMatching(/became NaN or infinite at 'block4_conv3'/),
    });
  });

  it('tfjs-wasm has no reverse pass: the error names the backends that have one', async () => {
    const { vgg } = await tinyModel('vgg16', { inputSize: [32, 32] }, 'tfjs-wasm');
    await expect(
      vgg.gradient(wavyInput([1, 32, 32, 3]), { kind: 'filter', layer: 'block1_conv1', filter: 0 }),
    ).rejects.toThrow(/'tfjs-wasm' backend computes no gradients.*'simd' \(the default\) or 'reference'/);
  });
});

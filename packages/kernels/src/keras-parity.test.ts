import { buildGraph, findLayer, loadWeights } from '@vggscope/core';
import { relativeL2, synthH5, wavyInput } from '@vggscope/test-utils';
import { kerasReference } from '@vggscope/test-utils/keras-reference';
import { describe, expect, it } from 'vitest';
import { loadVgg } from './load-vgg.js';

// Tolerance for float32 whole-network comparisons: relative L2 error < 1e-4.
const TOL = 1e-4;

/** Every pool layer, plus the first and last conv (and the top layers when present). */
function checkedLayers(model: 'vgg16' | 'vgg19', includeTop: boolean): string[] {
  const g = buildGraph(model, { includeTop });
  const convs = g.layers.filter((l) => l.spec.kind === 'conv');
  const picks = [convs[0]!, ...g.layers.filter((l) => l.spec.kind === 'pool'), convs.at(-1)!];
  if (includeTop) picks.push(findLayer(g, 'fc1'), findLayer(g, 'predictions'));
  return picks.map((l) => l.name);
}

async function compare(model: 'vgg16' | 'vgg19', size: [number, number], includeTop: boolean, refBackend: 'cpu' | 'wasm', batch = 1) {
  const h5 = await synthH5(model, { includeTop });
  const graph = buildGraph(model, { includeTop, inputSize: size });
  const layers = checkedLayers(model, includeTop);
  const input = wavyInput([batch, size[0], size[1], 3]);
  // Reference first: tfjs-layers builds the Keras model and gets the weights we read from the .h5.
  const expected = await kerasReference(graph, await loadWeights(h5, graph), input, layers, refBackend);
  const vgg = await loadVgg({ model, weights: h5, includeTop, inputSize: size });
  try {
    const actual = await vgg.extract(input, { layers });
    for (const out of actual) {
      const ref = expected.get(out.layer)!;
      expect(out.shape, out.layer).toEqual(ref.shape);
      const err = relativeL2(out.data, ref.data);
      expect(err, `${out.layer}: relative L2 ${err}`).toBeLessThan(TOL);
    }
    const maxAbs = actual.at(-1)!.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(maxAbs, 'outputs must not be all zero').toBeGreaterThan(0);
  } finally {
    vgg.dispose();
  }
}

describe('engine (wasm) vs tfjs-layers Keras model on the cpu backend, small odd sizes', () => {
  it('vgg16 x=[1,32,32,3]', () => compare('vgg16', [32, 32], false, 'cpu'));
  it('vgg16 x=[2,67,45,3]', () => compare('vgg16', [67, 45], false, 'cpu', 2));
  it('vgg19 x=[1,32,32,3]', () => compare('vgg19', [32, 32], false, 'cpu'));
  it('vgg19 x=[1,67,45,3]', () => compare('vgg19', [67, 45], false, 'cpu'));
});

describe('engine vs tfjs-layers on the wasm backend at 224×224 with the top', () => {
  it('vgg16 include_top x=[1,224,224,3]', () => compare('vgg16', [224, 224], true, 'wasm'));
  it('vgg19 include_top x=[1,224,224,3]', () => compare('vgg19', [224, 224], true, 'wasm'));
});

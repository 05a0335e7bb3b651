import { describe, expect, it } from 'vitest';
import type { Backend, BackwardOps } from './backend.js';
import { runGradient } from './backward.js';
import { buildGraph, type GraphLayer, weightedLayers } from './graph.js';
import { resolveObjective } from './objectives.js';

/**
 * A backend that tracks shapes and live handles only (numerics: kernels' tests against float64
 * loops and finite differences), to check what the reverse pass keeps and when it prepares.
 */
function recordingBackend({ masks = false } = {}) {
  type H = { id: number; shape: number[]; from: string };
  let next = 0;
  const live = new Map<number, string>();
  const events: string[] = [];
  let liveAtReverse: string[] | undefined;
  const make = (shape: number[], from: string): H => {
    const h = { id: next++, shape, from };
    live.set(h.id, from);
    return h;
  };
  const reverse = (shape: number[], op: string): H => {
    liveAtReverse ??= [...live.values()];
    events.push(op);
    return make(shape, op);
  };
  const backward: BackwardOps<H, GraphLayer> = {
    prepare: (l) => void events.push(`prepare ${l.name}`),
    relu: (dy) => reverse(dy.shape, 'relu'),
    conv2dData: (dz, l) => reverse([...dz.shape.slice(0, 3), l.inputShape[2]!], `∂x ${l.name}`),
    maxPool2x2: (_dy, x) => reverse(x.shape, 'pool ∂x'),
    globalPool: (_dy, x) => reverse(x.shape, 'global pool ∂x'),
    unflatten: (_dy, shape) => reverse([...shape], 'unflatten'),
    dense: (dz, l) => reverse([dz.shape[0]!, l.inputShape[0]!], `∂x ${l.name}`),
    ...(masks ? { mask: (y: H) => make(y.shape, `mask of ${y.from}`) } : {}),
  };
  const backend: Backend<H, GraphLayer> = {
    name: 'recording',
    threads: 1,
    prepareLayer: (layer) => layer,
    disposeLayer: () => {},
    input: (b) => make([...b.shape], 'input'),
    conv2dRelu: (x, l) => {
      events.push(`forward ${l.name}`);
      return make([x.shape[0]!, x.shape[1]!, x.shape[2]!, l.outputShape[2]!], l.name);
    },
    maxPool2x2: (x) => make([x.shape[0]!, x.shape[1]! >> 1, x.shape[2]! >> 1, x.shape[3]!], 'pool'),
    globalPool: (x) => make([x.shape[0]!, x.shape[3]!], 'global pool'),
    flatten: (x) => make([x.shape[0]!, x.shape.slice(1).reduce((a, b) => a * b, 1)], 'flatten'),
    dense: (x, l) => make([x.shape[0]!, l.outputShape[0]!], l.name),
    read: async (x) => ({ data: new Float32Array(x.shape.reduce((a, b) => a * b, 1)).fill(1), shape: x.shape }),
    dispose: (x) => void live.delete(x.id),
    close: () => {},
    backward,
  };
  return { backend, events, live, liveAtReverse: () => liveAtReverse };
}

describe('runGradient: what the reverse pass keeps, and when the backend prepares', () => {
  const graph = buildGraph('vgg16', { inputSize: [64, 64] });
  const prepared = new Map(weightedLayers(graph).map((l) => [l.name, l]));
  const x = { data: new Float32Array(64 * 64 * 3), shape: [1, 64, 64, 3] };
  const layer = (name: string) => graph.layers.find((l) => l.name === name)!;

  it('keeps conv outputs (ReLU masks, pool argmax) and the input, not the pools feeding a conv; frees all', async () => {
    const { backend, live, liveAtReverse } = recordingBackend();
    const objective = resolveObjective(graph, { kind: 'filter', layer: 'block5_pool', filter: 3 }, 1);
    await runGradient(backend, graph, prepared, x, { objective, wrt: layer('input_1') });
    const convs = graph.layers.filter((l) => l.spec.kind === 'conv').map((l) => l.name);
    // At the first reverse op: the input (wrt), 13 conv outputs, block5_pool (the target) and the seed.
    expect(liveAtReverse()!.sort()).toEqual(['input', 'input', ...convs, 'pool'].sort());
    expect(live.size, 'every handle disposed').toBe(0);
  });

  it('with a backend that has masks: keeps a mask instead of the output of every conv followed by a conv', async () => {
    const { backend, live, liveAtReverse } = recordingBackend({ masks: true });
    const objective = resolveObjective(graph, { kind: 'filter', layer: 'block5_pool', filter: 3 }, 1);
    await runGradient(backend, graph, prepared, x, { objective, wrt: layer('input_1') });
    const convs = graph.layers.filter((l) => l.spec.kind === 'conv');
    const beforePool = convs.filter((l) => graph.layers[l.index + 1]!.spec.kind === 'pool').map((l) => l.name);
    const masked = convs.map((l) => l.name).filter((n) => !beforePool.includes(n));
    expect(beforePool).toEqual(['block1_conv2', 'block2_conv2', 'block3_conv3', 'block4_conv3', 'block5_conv3']);
    expect(liveAtReverse()!.sort()).toEqual(
      ['input', 'input', ...beforePool, ...masked.map((n) => `mask of ${n}`), 'pool'].sort(),
    );
    expect(live.size, 'every handle disposed').toBe(0);
  });

  it('prepares exactly the layers between wrt and the objective, all before the forward pass', async () => {
    const { backend, events } = recordingBackend();
    const objective = resolveObjective(graph, { kind: 'filter', layer: 'block4_conv2', filter: 0 }, 1);
    await runGradient(backend, graph, prepared, x, { objective, wrt: layer('block3_conv2') });
    const prepares = events.filter((e) => e.startsWith('prepare'));
    expect(prepares).toEqual(['block3_conv3', 'block4_conv1', 'block4_conv2'].map((n) => `prepare ${n}`));
    expect(events.findIndex((e) => e.startsWith('forward'))).toBe(prepares.length);
  });
});

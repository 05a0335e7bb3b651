import { describe, expect, it } from 'vitest';
import type { Backend } from './backend.js';
import { runGraph } from './executor.js';
import { buildGraph, type GraphLayer, weightedLayers } from './graph.js';
import type { FloatTensor } from './tensor.js';

/**
 * An instrumented backend that only tracks shapes and live handles, to check the executor's
 * planning and freeing (numerics are checked in kernels against tfjs-layers and plain loops).
 */
function shapeBackend(options: { async?: boolean } = {}) {
  type H = { id: number; shape: number[] };
  let next = 0;
  const live = new Set<number>();
  const calls: string[] = [];
  let maxLive = 0;
  const plans: string[] = [];
  const make = (shape: number[], op: string): H | Promise<H> => {
    calls.push(op);
    const h = { id: next++, shape };
    live.add(h.id);
    maxLive = Math.max(maxLive, live.size);
    // An asynchronous backend answers later: the executor must await every op.
    return options.async ? new Promise((r) => setTimeout(() => r(h), 1)) : h;
  };
  const backend: Backend<H, GraphLayer> = {
    name: 'shapes',
    threads: 1,
    plan: (g, n) => void plans.push(`${g.model}:${n}`),
    prepareLayer: (layer) => layer,
    disposeLayer: () => {},
    input: (b) => make([...b.shape], 'input'),
    conv2dRelu: (x, l) => make([x.shape[0]!, x.shape[1]!, x.shape[2]!, l.outputShape[2]!], 'conv'),
    maxPool2x2: (x) =>
      make([x.shape[0]!, Math.floor(x.shape[1]! / 2), Math.floor(x.shape[2]! / 2), x.shape[3]!], 'pool'),
    globalPool: (x) => make([x.shape[0]!, x.shape[3]!], 'gpool'),
    flatten: (x) => make([x.shape[0]!, x.shape.slice(1).reduce((a, b) => a * b, 1)], 'flatten'),
    dense: (x, l) => make([x.shape[0]!, l.outputShape[0]!], 'dense'),
    read: async (x) => ({ data: new Float32Array(x.shape.reduce((a, b) => a * b, 1)), shape: x.shape }),
    dispose: (x) => void live.delete(x.id),
    close: () => {},
  };
  return { backend, calls, live, plans, maxLive: () => maxLive };
}

/** The graph's own layers as the "prepared" form: the shape backend only needs their shapes. */
function shapeWeights(model: string, opts = {}, except: string[] = []): Map<string, GraphLayer> {
  const g = buildGraph(model, opts);
  return new Map(
    weightedLayers(g)
      .filter((l) => !except.includes(l.name))
      .map((l) => [l.name, l]),
  );
}

const input = (h: number, w: number, n = 1): FloatTensor => ({
  data: new Float32Array(n * h * w * 3),
  shape: [n, h, w, 3],
});

describe('runGraph', () => {
  it('computes only up to the deepest requested layer and returns outputs in request order', async () => {
    const { backend, calls } = shapeBackend();
    const g = buildGraph('vgg16');
    const out = await runGraph(backend, g, shapeWeights('vgg16'), input(224, 224), {
      layers: ['block3_pool', 'block1_conv1'],
    });
    expect(out.map((o) => [o.layer, o.index, o.shape])).toEqual([
      ['block3_pool', 10, [1, 28, 28, 256]],
      ['block1_conv1', 1, [1, 224, 224, 64]],
    ]);
    expect(calls).toEqual(['input', 'conv', 'conv', 'pool', 'conv', 'conv', 'pool', 'conv', 'conv', 'conv', 'pool']);
  });

  it('awaits asynchronous ops and plans the pass once with the batch size first', async () => {
    const t = shapeBackend({ async: true });
    const out = await runGraph(
      t.backend,
      buildGraph('vgg16', { inputSize: [64, 64] }),
      shapeWeights('vgg16'),
      input(64, 64, 3),
      { layers: ['block2_pool'] },
    );
    expect(out[0]!.shape).toEqual([3, 16, 16, 128]);
    expect(t.plans).toEqual(['vgg16:3']);
    expect(t.live.size).toBe(0);
  });

  it('frees every intermediate as soon as the next layer consumed it (never more than 2 live)', async () => {
    const t = shapeBackend();
    await runGraph(
      t.backend,
      buildGraph('vgg19', { includeTop: true }),
      shapeWeights('vgg19', { includeTop: true }),
      input(224, 224, 2),
      {
        layers: ['predictions', 'block1_conv2', 'fc1'],
      },
    );
    expect(t.maxLive()).toBe(2);
    expect(t.live.size).toBe(0);
  });

  it('defaults to the last layer of the graph (block5_pool, or the global pool)', async () => {
    const { backend } = shapeBackend();
    const [o] = await runGraph(
      backend,
      buildGraph('vgg16', { pooling: 'max', inputSize: [64, 96] }),
      shapeWeights('vgg16'),
      input(64, 96),
    );
    expect([o!.layer, o!.shape]).toEqual(['global_max_pooling2d', [1, 512]]);
  });

  it('missing weights: names the missing layers and the deepest layer these weights reach', async () => {
    const { backend } = shapeBackend();
    const w = shapeWeights('vgg19', {}, [
      'block4_conv1',
      'block4_conv2',
      'block4_conv3',
      'block4_conv4',
      'block5_conv1',
      'block5_conv2',
      'block5_conv3',
      'block5_conv4',
    ]);
    await expect(
      runGraph(backend, buildGraph('vgg19'), w, input(224, 224), { layers: ['block4_pool'] }),
    ).rejects.toMatchObject({
      code: 'E_WEIGHTS_MISSING',
      message: expect.stringMatching(
        /computing 'block4_pool' needs weights for block4_conv1, block4_conv2, block4_conv3, block4_conv4, .*reach up to 'block3_pool'/,
      ),
    });
    await expect(
      runGraph(backend, buildGraph('vgg19'), w, input(224, 224), { layers: ['block3_pool'] }),
    ).resolves.toHaveLength(1);
  });

  it('rejects an input of the wrong shape, saying the expected one', async () => {
    const { backend } = shapeBackend();
    await expect(runGraph(backend, buildGraph('vgg16'), shapeWeights('vgg16'), input(100, 100))).rejects.toMatchObject({
      code: 'E_INPUT_SHAPE',
      message: expect.stringContaining('the input must be [N, 224, 224, 3] (NHWC, BGR), got [1, 100, 100, 3]'),
    });
  });

  it('unknown layers fail before any work is done', async () => {
    const t = shapeBackend();
    await expect(
      runGraph(t.backend, buildGraph('vgg16'), shapeWeights('vgg16'), input(224, 224), { layers: ['block5_conv4'] }),
    ).rejects.toMatchObject({ code: 'E_UNKNOWN_LAYER' });
    expect(t.calls).toEqual([]);
  });
});

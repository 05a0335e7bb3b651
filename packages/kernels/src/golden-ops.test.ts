import type { Backend, FloatTensor, GraphLayer } from '@vggscope/core';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKEND_NAMES, createBackend } from './backends.js';
import { GOLDEN_CASES, type GoldenCase } from './testdata/golden-ops.js';

const t = (c: { shape: number[]; data: number[] }): FloatTensor => ({
  data: Float32Array.from(c.data),
  shape: c.shape,
});

/** The graph layer a case's weights belong to, as `prepareLayer` receives it. */
function layerOf(c: Extract<GoldenCase, { kernel: unknown }>): GraphLayer {
  const k = c.kernel.shape;
  if (c.op === 'conv2dRelu') {
    const [, h, w, cin] = c.x.shape as [number, number, number, number];
    return {
      index: 1,
      name: 'conv',
      spec: { kind: 'conv', name: 'conv', filters: k[3]! },
      inputShape: [h, w, cin],
      outputShape: [h, w, k[3]!],
      weights: [
        { role: 'kernel', shape: k },
        { role: 'bias', shape: [k[3]!] },
      ],
      params: 0,
    };
  }
  return {
    index: 1,
    name: 'dense',
    spec: { kind: 'dense', name: 'dense', units: k[1]!, activation: c.activation },
    inputShape: [k[0]!],
    outputShape: [k[1]!],
    weights: [
      { role: 'kernel', shape: k },
      { role: 'bias', shape: [k[1]!] },
    ],
    params: 0,
  };
}

async function run<T, L>(b: Backend<T, L>, c: GoldenCase): Promise<FloatTensor> {
  const x = await b.input(t(c.x));
  let y: T;
  switch (c.op) {
    case 'conv2dRelu':
      y = await b.conv2dRelu(x, await b.prepareLayer(layerOf(c), { kernel: t(c.kernel), bias: t(c.bias) }));
      break;
    case 'maxPool2x2':
      y = await b.maxPool2x2(x);
      break;
    case 'dense':
      y = await b.dense(x, await b.prepareLayer(layerOf(c), { kernel: t(c.kernel), bias: t(c.bias) }), c.activation);
      break;
    case 'globalPool':
      y = await b.globalPool(x, c.mode);
      break;
  }
  return b.read(y);
}

// Every backend in the table runs every hand-worked case: a new backend is checked without editing this file.
describe.each(BACKEND_NAMES)('golden op cases on the %s backend', (name) => {
  let backend: Backend | undefined;
  afterAll(async () => backend?.close());
  it.each(GOLDEN_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    backend ??= await createBackend(name, { threads: 1 });
    const out = await run(backend, c);
    expect(out.shape).toEqual(c.expected.shape);
    c.expected.data.forEach((v, i) => expect(out.data[i]).toBeCloseTo(v, 5));
  });
});

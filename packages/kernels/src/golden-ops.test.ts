import type { Backend, FloatTensor } from '@vggscope/core';
import { describe, expect, it } from 'vitest';
import { GOLDEN_CASES, type GoldenCase } from './golden-ops.js';
import { referenceBackend } from './reference/reference-backend.js';
import { wasmBackend } from './wasm/wasm-backend.js';

const t = (c: { shape: number[]; data: number[] }): FloatTensor => ({ data: Float32Array.from(c.data), shape: c.shape });

async function run<T, W>(b: Backend<T, W>, c: GoldenCase): Promise<FloatTensor> {
  const x = b.input({ ...t(c.x), shape: c.x.shape });
  let y: T;
  switch (c.op) {
    case 'conv2dRelu':
      y = b.conv2dRelu(x, b.uploadWeight(t(c.kernel)), b.uploadWeight(t(c.bias)));
      break;
    case 'maxPool2x2':
      y = b.maxPool2x2(x);
      break;
    case 'dense':
      y = b.dense(x, b.uploadWeight(t(c.kernel)), b.uploadWeight(t(c.bias)), c.activation);
      break;
    case 'globalPool':
      y = b.globalPool(x, c.mode);
      break;
  }
  return b.read(y);
}

describe.each([
  ['reference', referenceBackend as Backend<unknown, unknown>],
  ['wasm', wasmBackend as Backend<unknown, unknown>],
])('golden op cases on the %s backend', (_, backend) => {
  it.each(GOLDEN_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await (backend as { prepare?: () => Promise<void> }).prepare?.();
    const out = await run(backend, c);
    expect(out.shape).toEqual(c.expected.shape);
    c.expected.data.forEach((v, i) => expect(out.data[i]).toBeCloseTo(v, 5));
  });
});

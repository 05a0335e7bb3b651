import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimdBackend, type SimdBackend } from './simd-backend.js';
import { convCase } from './testdata/simd-test-data.js';

describe('simd thread team', () => {
  let backend: SimdBackend;
  beforeAll(async () => {
    backend = await createSimdBackend({ threads: 3 }); // more threads than this machine's 2 cores: workers wake late
  });
  afterAll(async () => {
    await backend.close();
  });

  it('gives bit-identical results over many short ops, however the jobs fall to threads', async () => {
    const { layer, weights, x } = convCase(19, 23, 16, 24, 42);
    const prepared = await backend.prepareLayer(layer, weights);
    const xi = await backend.input(x);
    const first = await backend.read(await backend.conv2dRelu(xi, prepared));
    for (let i = 0; i < 40; i++) {
      const y = await backend.conv2dRelu(xi, prepared);
      const pooled = await backend.maxPool2x2(y);
      const again = await backend.read(y);
      backend.dispose(pooled);
      backend.dispose(y);
      expect(again.data).toEqual(first.data);
    }
  });
});

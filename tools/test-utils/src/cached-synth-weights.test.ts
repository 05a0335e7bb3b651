import { buildGraph } from '@vggscope/core';
import { synthWeights } from '@vggscope/synth-weights';
import { describe, expect, it } from 'vitest';
import { cachedSynthWeights } from './index.js';

describe('cachedSynthWeights', () => {
  it('real-width vgg16 (14.7 M values): written, then read back bit for bit as synthWeights gives them', async () => {
    const graph = buildGraph('vgg16');
    const fresh = synthWeights(graph, 11);
    // The first call may write the file (or read one an earlier run wrote); the second always reads it.
    for (const cached of [await cachedSynthWeights(graph, 11), await cachedSynthWeights(graph, 11)]) {
      expect([...cached.layers.keys()]).toEqual([...fresh.layers.keys()]);
      for (const [name, w] of fresh.layers) {
        const c = cached.layers.get(name)!;
        expect(c.kernel.shape, name).toEqual(w.kernel.shape);
        expect(Buffer.from(c.kernel.data.buffer).equals(Buffer.from(w.kernel.data.buffer)), `${name} kernel`).toBe(
          true,
        );
        expect(Buffer.from(c.bias.data.buffer).equals(Buffer.from(w.bias.data.buffer)), `${name} bias`).toBe(true);
        expect(c.kernel.data.buffer, 'each array owns its buffer').not.toBe(c.bias.data.buffer);
      }
    }
  });
});

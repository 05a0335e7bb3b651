import { buildGraph, type FloatTensor, tinyVgg, type Vgg } from '@vggscope/core';
import { loadVgg } from '@vggscope/kernels';
import { synthWeights } from '@vggscope/synth-weights';
import { afterAll, describe, expect, it } from 'vitest';
import { deprocessImage, maximize } from './maximize.js';

const open: Vgg[] = [];
afterAll(async () => {
  for (const v of open) await v.close();
});

async function tiny(threads = 2) {
  const spec = tinyVgg('vgg16');
  const graph = buildGraph(spec, { inputSize: [64, 64] });
  const vgg = await loadVgg({
    model: spec,
    weights: synthWeights(graph, 3),
    inputSize: [64, 64],
    layers: ['block5_pool'],
    threads,
  });
  open.push(vgg);
  return vgg;
}

/** Mean activation of every channel of `layer` for one image. */
async function channelMeans(vgg: Vgg, x: FloatTensor, layer: string): Promise<number[]> {
  const [a] = await vgg.extract(x, { layers: [layer] });
  const c = a!.shape[3]!;
  const means = Array<number>(c).fill(0);
  for (let i = 0; i < a!.data.length; i++) means[i % c]! += a!.data[i]! / (a!.data.length / c);
  return means;
}

describe('maximize (the Keras book recipe)', () => {
  it("a filter's pattern raises its mean activation by a large factor, and more than its neighbours' patterns do", async () => {
    const vgg = await tiny();
    const layer = 'block3_conv1';
    const r = await maximize(vgg, { kind: 'filter', layer, filters: [2, 3, 4] }, { seed: 1, batch: 2 });
    expect(r.inputs).toHaveLength(3);
    expect(r.history.map((h) => h.length)).toEqual([41, 41, 41]);
    const start = { data: Float32Array.from({ length: 64 * 64 * 3 }, () => 138), shape: [1, 64, 64, 3] };
    const before = await channelMeans(vgg, start, layer);
    const means = await Promise.all(r.inputs.map((x) => channelMeans(vgg, x, layer)));
    for (const [i, f] of [2, 3, 4].entries()) {
      const after = means[i]!;
      expect(after[f]! / Math.max(before[f]!, 1e-3), `filter ${f}: ${before[f]} → ${after[f]}`).toBeGreaterThan(5);
      // Selective: filter f responds more to its own pattern than to its neighbours' patterns.
      for (const j of [i - 1, i + 1].filter((k) => k >= 0 && k < 3)) expect(after[f]!).toBeGreaterThan(means[j]![f]!);
      // The recorded history is the same quantity, and it went up.
      expect(r.history[i]!.at(-1)!).toBeCloseTo(after[f]!, 2);
      expect(r.history[i]!.at(-1)!).toBeGreaterThan(r.history[i]![0]!);
    }
  });

  it('the same seed gives the same bytes on 1 and 2 threads and in any batching; --steps 0 is refused', async () => {
    const [one, two] = [await tiny(1), await tiny(2)];
    const target = { kind: 'filter', layer: 'block2_conv2', filters: [0, 5] } as const;
    const a = await maximize(one, target, { steps: 3, seed: 9, batch: 1 });
    const b = await maximize(two, target, { steps: 3, seed: 9, batch: 2 });
    for (let i = 0; i < 2; i++)
      expect(Buffer.from(a.inputs[i]!.data.buffer).equals(Buffer.from(b.inputs[i]!.data.buffer))).toBe(true);
    await expect(maximize(one, target, { steps: 0 })).rejects.toThrow(/steps must be a whole number ≥ 1/);
  });

  it('jitter and decay: still ascends, and the same seed gives the same bytes in any batching', async () => {
    const vgg = await tiny(2);
    const target = { kind: 'filter', layer: 'block3_conv1', filters: [1, 3] } as const;
    const options = { steps: 10, seed: 4, jitter: 4, decay: 0.01 };
    const a = await maximize(vgg, target, { ...options, batch: 1 });
    const b = await maximize(vgg, target, { ...options, batch: 2 });
    for (let i = 0; i < 2; i++) {
      expect(Buffer.from(a.inputs[i]!.data.buffer).equals(Buffer.from(b.inputs[i]!.data.buffer))).toBe(true);
      expect(a.history[i]!.at(-1)!).toBeGreaterThan(2 * a.history[i]![0]!);
    }
    const plain = await maximize(vgg, target, { steps: 10, seed: 4 });
    expect(Buffer.from(plain.inputs[0]!.data.buffer).equals(Buffer.from(a.inputs[0]!.data.buffer))).toBe(false);
    await expect(maximize(vgg, target, { jitter: -1 })).rejects.toThrow(/jitter must be/);
  });

  it("deprocess: the book's normalisation to uint8, BGR to RGB", () => {
    const x = { data: Float32Array.from([0, 0, 10, 0, 0, -10]), shape: [1, 1, 2, 3] };
    // mean 0, std √(200/6) ≈ 5.77: 10 → 0.5 + 0.173 → 0.673·255 = 171.7 → 171 (truncated), −10 → 83, 0 → 127.
    expect([...deprocessImage(x).data]).toEqual([171, 127, 127, 83, 127, 127]);
  });
});

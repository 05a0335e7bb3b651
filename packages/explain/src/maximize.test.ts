import { buildGraph, type FloatTensor, tinyVgg, type Vgg } from '@vggscope/core';
import { loadVgg } from '@vggscope/kernels';
import { synthWeights } from '@vggscope/synth-weights';
import { afterAll, describe, expect, it } from 'vitest';
import { deprocessImage, maximize, type MaximizeResult, octaveSizes } from './maximize.js';

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

/**
 * The known answer: each filter's pattern raises that filter's mean activation by a large factor
 * over a flat gray image, and more than its neighbours' patterns do; the history's last value is it.
 */
async function expectKnownAnswer(vgg: Vgg, r: MaximizeResult, layer: string, filters: number[], factor = 5) {
  const [h, w] = vgg.graph.inputSize;
  const start = { data: Float32Array.from({ length: h * w * 3 }, () => 138), shape: [1, h, w, 3] };
  const before = await channelMeans(vgg, start, layer);
  const means = await Promise.all(r.inputs.map((x) => channelMeans(vgg, x, layer)));
  for (const [i, f] of filters.entries()) {
    const after = means[i]!;
    expect(after[f]! / Math.max(before[f]!, 1e-3), `filter ${f}: ${before[f]} → ${after[f]}`).toBeGreaterThan(factor);
    // Selective: filter f responds more to its own pattern than to its neighbours' patterns.
    for (const j of [i - 1, i + 1].filter((k) => k >= 0 && k < filters.length))
      expect(after[f]!).toBeGreaterThan(means[j]![f]!);
    // The recorded history is the same quantity, and it went up.
    expect(r.history[i]!.at(-1)!).toBeCloseTo(after[f]!, 2);
    expect(r.history[i]!.at(-1)!).toBeGreaterThan(r.history[i]![0]!);
  }
}

describe('maximize (the Keras book recipe)', () => {
  it("a filter's pattern raises its mean activation by a large factor, and more than its neighbours' patterns do", async () => {
    const vgg = await tiny();
    const r = await maximize(vgg, { kind: 'filter', layer: 'block3_conv1', filters: [2, 3, 4] }, { seed: 1, batch: 2 });
    expect(r.inputs).toHaveLength(3);
    expect(r.history.map((h) => h.length)).toEqual([41, 41, 41]);
    await expectKnownAnswer(vgg, r, 'block3_conv1', [2, 3, 4]);
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

// Independent reference of the penalties (definitions over (y, x, c), float64).
function penaltyRef(x: Float32Array, h: number, w: number, tv: number, l2: number): number {
  const at = (y: number, xx: number, c: number) => x[(y * w + xx) * 3 + c]!;
  let t = 0;
  for (let y = 0; y < h; y++)
    for (let xx = 0; xx < w; xx++)
      for (let c = 0; c < 3; c++) {
        if (y + 1 < h) t += Math.abs(at(y + 1, xx, c) - at(y, xx, c));
        if (xx + 1 < w) t += Math.abs(at(y, xx + 1, c) - at(y, xx, c));
      }
  return (tv * t) / x.length + (l2 * Math.hypot(...x)) / Math.sqrt(x.length);
}

describe('maximize: rotation, TV and L2 regularizers, octaves', () => {
  // Filters 3–5: filter 2 of this synthetic model answers only pixel-scale patterns, which TV and rotation
  // suppress by design (it gains 6× with the plain recipe, 1.3× with TV 0.1).
  const target = { kind: 'filter', layer: 'block3_conv1', filters: [3, 4, 5] } as const;
  const modelAt = (threads: number) => async (size: readonly [number, number]) => {
    const spec = tinyVgg('vgg16');
    const graph = buildGraph(spec, { inputSize: [size[0], size[1]] });
    const weights = synthWeights(graph, 3); // the same values as tiny()'s: one stream per layer
    return loadVgg({ model: spec, weights, inputSize: [size[0], size[1]], layers: ['block3_conv1'], threads });
  };

  it('the known answer still holds with jitter, rotation, TV and L2 on; the regularized history is history − penalty', async () => {
    const vgg = await tiny();
    const options = { seed: 1, steps: 60, jitter: 2, rotate: 3, tv: 0.05, l2: 0.1 };
    const r = await maximize(vgg, target, options);
    await expectKnownAnswer(vgg, r, 'block3_conv1', [3, 4, 5]);
    for (const [i, x] of r.inputs.entries()) {
      const reg = r.regularized[i]!;
      expect(reg).toHaveLength(61);
      expect(reg.at(-1)!).toBeCloseTo(r.history[i]!.at(-1)! - penaltyRef(x.data, 64, 64, 0.05, 0.1), 4);
      expect(reg.at(-1)!).toBeGreaterThan(reg[0]!); // the regularized objective is what went up
    }
  });

  it('each regularizer pulls its way: heavy TV leaves a smoother image, heavy L2 a smaller one', async () => {
    const vgg = await tiny();
    const one = { kind: 'filter', layer: 'block3_conv1', filters: [3] } as const;
    const base = { seed: 2, steps: 15 };
    const [plain, tv, l2] = await Promise.all([
      maximize(vgg, one, base),
      maximize(vgg, one, { ...base, tv: 5 }),
      maximize(vgg, one, { ...base, l2: 10 }),
    ]);
    const [x, xtv, xl2] = [plain, tv, l2].map((r) => r.inputs[0]!.data);
    expect(penaltyRef(xtv!, 64, 64, 1, 0)).toBeLessThan(0.5 * penaltyRef(x!, 64, 64, 1, 0));
    expect(Math.hypot(...xl2!)).toBeLessThan(0.9 * Math.hypot(...x!));
  });

  it('octaves: 2 sizes (45², then 64²), the result at the requested size, the objective up; 1 and 2 threads byte-identical', async () => {
    expect(octaveSizes([64, 64], 2, 1.4)).toEqual([
      [45, 45],
      [64, 64],
    ]);
    expect(octaveSizes([150, 150], 3, 1.4)).toEqual([
      [76, 76],
      [107, 107],
      [150, 150],
    ]);
    const options = { seed: 5, steps: 8, octaves: 2, jitter: 2, rotate: 3, tv: 0.05, l2: 0.1 };
    const [one, two] = [await tiny(1), await tiny(2)];
    const a = await maximize(one, target, { ...options, batch: 1, modelAt: modelAt(1) });
    const b = await maximize(two, target, { ...options, batch: 3, modelAt: modelAt(2) });
    expect(a.sizes).toEqual([
      [45, 45],
      [64, 64],
    ]);
    for (let i = 0; i < 3; i++) {
      expect(a.inputs[i]!.shape).toEqual([1, 64, 64, 3]);
      expect(a.inputs[i]!.data).toHaveLength(64 * 64 * 3);
      expect(a.history[i]).toHaveLength(2 * 8 + 1);
      expect(a.history[i]!.at(-1)!).toBeGreaterThan(2 * a.history[i]![0]!);
      expect(Buffer.from(a.inputs[i]!.data.buffer).equals(Buffer.from(b.inputs[i]!.data.buffer))).toBe(true);
      expect(a.regularized[i]).toEqual(b.regularized[i]);
    }
  });

  it('bad options are usage errors that say the fix', async () => {
    const vgg = await tiny();
    const bad = (o: Parameters<typeof maximize>[2]) => maximize(vgg, target, o);
    await expect(bad({ rotate: -1 })).rejects.toThrow(/rotate must be an angle in degrees from 0 to 180/);
    await expect(bad({ tv: Number.NaN })).rejects.toThrow(/tv must be a weight ≥ 0/);
    await expect(bad({ l2: -2 })).rejects.toThrow(/l2 must be a weight ≥ 0/);
    await expect(bad({ octaves: 0 })).rejects.toThrow(/octaves must be a whole number from 1 to 16/);
    await expect(bad({ octaves: 2, octaveScale: 1 })).rejects.toThrow(/octaveScale must be > 1/);
    await expect(bad({ octaves: 2 })).rejects.toThrow(/octaves > 1 needs modelAt/);
    await expect(bad({ octaves: 4, modelAt: modelAt(1) })).rejects.toThrow(
      /4 octaves at scale 1.4 make the first one 23×23, below the model.s minimum 32×32/,
    );
  });
});

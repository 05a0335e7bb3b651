import { type FloatTensor, tinyVgg, type Vgg } from '@vggscope/core';
import { loadInput } from '@vggscope/image';
import { loadVgg } from '@vggscope/kernels';
import { fileURLToPath } from 'node:url';
import { relativeL2 } from '@vggscope/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { saliency, type SaliencyMethod } from './saliency.js';
import { edgeModel } from './testdata/edge-model.js';

const CAT = fileURLToPath(new URL('../../cli/assets/chelsea.png', import.meta.url));
const open: Vgg[] = [];
afterAll(async () => {
  for (const v of open) await v.close();
});

async function edgeVgg(options: { includeTop?: boolean; inputSize?: [number, number] }, backend = 'reference') {
  const { weights } = edgeModel(options);
  const vgg = await loadVgg({ model: tinyVgg('vgg16'), weights, ...options, backend, threads: 1 });
  open.push(vgg);
  return vgg;
}

/** The cat (preprocessed, 120×120) pasted at (row 40, column 70) of a zero (blank) 224×224 canvas. */
async function pastedCat(): Promise<{ x: FloatTensor; inside: (p: number) => boolean }> {
  const cat = await loadInput(CAT, [120, 120]);
  const data = new Float32Array(224 * 224 * 3);
  for (let y = 0; y < 120; y++) data.set(cat.data.subarray(y * 120 * 3, (y + 1) * 120 * 3), ((40 + y) * 224 + 70) * 3);
  const inside = (p: number) => {
    const y = Math.floor(p / 224);
    const x = p % 224;
    return y >= 40 && y < 160 && x >= 70 && x < 190;
  };
  return { x: { data, shape: [1, 224, 224, 3] }, inside };
}

describe('saliency: known answer (a model silent on blank regions)', () => {
  const extras: Record<string, object> = {
    vanilla: {},
    guided: {},
    // From the blank canvas itself: the attributions there are (x − x₀)·ḡ = 0 (a black baseline has edges at the border).
    'integrated-gradients': { steps: 3, baseline: { data: new Float32Array(224 * 224 * 3), shape: [1, 224, 224, 3] } },
  };
  it.each(Object.keys(extras) as SaliencyMethod[])(
    '%s: over 95 percent of the map on the image pasted onto a blank canvas',
    async (method) => {
      const extra = extras[method];
      const vgg = await edgeVgg({ includeTop: true });
      const { x, inside } = await pastedCat();
      const r = await saliency(vgg, x, { method, class: 3, ...extra });
      expect(r.gradient.shape).toEqual([1, 224, 224, 3]);
      expect(r.map.shape).toEqual([224, 224]);
      let on = 0;
      let all = 0;
      r.map.data.forEach((v, p) => {
        all += v;
        if (inside(p)) on += v;
      });
      expect(all, 'the map is not empty').toBeGreaterThan(0);
      expect(on / all, `share on the image: ${on / all}`).toBeGreaterThan(0.95);
    },
  );
});

describe('saliency: Integrated Gradients and SmoothGrad', () => {
  it('IG completeness: Σ attributions ≈ f(x) − f(black) (tiny vgg16 32×32, block3_conv1 filter 2, 64 steps)', async () => {
    const vgg = await edgeVgg({ inputSize: [32, 32] });
    const x = await loadInput(CAT, [32, 32]);
    const objective = { kind: 'filter', layer: 'block3_conv1', filter: 2 } as const;
    const r = await saliency(vgg, x, { method: 'integrated-gradients', objective, steps: 64 });
    const black = {
      data: Float32Array.from({ length: x.data.length }, (_, i) => -[103.939, 116.779, 123.68][i % 3]!),
      shape: x.shape,
    };
    const f = async (t: FloatTensor) => (await vgg.gradient(t, objective)).value[0]!;
    const expected = (await f(x)) - (await f(black));
    const total = r.gradient.data.reduce((s, v) => s + v, 0);
    expect(Math.abs(expected)).toBeGreaterThan(0);
    expect(Math.abs(total - expected) / Math.abs(expected), `Σ IG ${total} vs ${expected}`).toBeLessThan(0.05);
  });

  it('SmoothGrad: the same seed gives the same bytes, another seed other bytes; samples = passes', async () => {
    const vgg = await edgeVgg({ inputSize: [32, 32] });
    const x = await loadInput(CAT, [32, 32]);
    const objective = { kind: 'filter', layer: 'block2_conv2', filter: 1 } as const;
    const run = (seed: number) => saliency(vgg, x, { method: 'smoothgrad', objective, samples: 3, seed });
    const [a, b, c] = [await run(5), await run(5), await run(6)];
    expect(Buffer.from(a.gradient.data.buffer).equals(Buffer.from(b.gradient.data.buffer))).toBe(true);
    expect(Buffer.from(a.gradient.data.buffer).equals(Buffer.from(c.gradient.data.buffer))).toBe(false);
    expect(a.passes).toBe(3);
  });

  it('SmoothGrad with noise 0 is the vanilla gradient (SmoothGrad wakes the blank canvas, so it has no 95 % test)', async () => {
    const vgg = await edgeVgg({ inputSize: [32, 32] });
    const x = await loadInput(CAT, [32, 32]);
    const objective = { kind: 'filter', layer: 'block3_conv2', filter: 0 } as const;
    const smooth = await saliency(vgg, x, { method: 'smoothgrad', objective, samples: 3, noise: 0 });
    const vanilla = await saliency(vgg, x, { method: 'vanilla', objective });
    expect(relativeL2(smooth.gradient.data, vanilla.gradient.data)).toBeLessThan(1e-6);
    expect(Math.max(...vanilla.map.data)).toBeGreaterThan(0);
  });

  it('bad options are usage errors', async () => {
    const vgg = await edgeVgg({ inputSize: [32, 32] });
    const x = await loadInput(CAT, [32, 32]);
    await expect(saliency(vgg, x, { method: 'smoothgrad', samples: 0, class: 1 })).rejects.toThrow(
      /needs the classifier|samples must be/,
    );
    await expect(saliency(vgg, x)).rejects.toThrow(/needs the classifier/);
    await expect(saliency(vgg, x, { method: 'nope' as SaliencyMethod })).rejects.toThrow(/unknown method 'nope'/);
  });
});

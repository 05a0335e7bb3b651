import { buildGraph, tinyVgg, type Vgg } from '@vggscope/core';
import { loadVgg } from '@vggscope/kernels';
import { synthWeights } from '@vggscope/synth-weights';
import { relativeL2, wavyInput } from '@vggscope/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { gradCamFromActivation } from './grad-cam.js';
import { gradientCam } from './gradient-cams.js';

const open: Vgg[] = [];
afterAll(async () => {
  for (const v of open) await v.close();
});

async function tinyTop() {
  const spec = tinyVgg('vgg16');
  const graph = buildGraph(spec, { includeTop: true });
  const weights = synthWeights(graph, 12);
  const vgg = await loadVgg({ model: spec, weights, includeTop: true, layers: ['predictions'], threads: 2 });
  open.push(vgg);
  const top = {
    fc1: weights.layers.get('fc1')!,
    fc2: weights.layers.get('fc2')!,
    predictions: weights.layers.get('predictions')!,
  };
  return { vgg, top };
}

const unit = (x: Float32Array) => {
  const m = Math.max(...x);
  return x.map((v) => v / (m || 1));
};

describe('gradient CAMs through the backend (simd)', () => {
  it('Grad-CAM equals the plain-JavaScript top path (itself checked against tf.grad) at the last conv', async () => {
    const { vgg, top } = await tinyTop();
    const x = wavyInput([1, 224, 224, 3], 0.5);
    const mine = await gradientCam(vgg, x, { method: 'grad-cam', class: 4 });
    const [a] = await vgg.extract(x, { layers: ['block5_conv3'] });
    const ref = gradCamFromActivation(a!, top, 4);
    expect(mine.layer).toBe('block5_conv3');
    expect(relativeL2(mine.gradient.data, ref.gradient.data)).toBeLessThan(1e-4);
    expect(relativeL2(mine.heatmap.data, ref.heatmap.data)).toBeLessThan(1e-4);
    expect(mine.score).toBeCloseTo(ref.score, 2);
  });

  it("Grad-CAM++ and LayerCAM match tf-keras-vis' formulas written out literally (exp(score) included), after its normalisation", async () => {
    const { vgg } = await tinyTop();
    const x = wavyInput([1, 224, 224, 3], 1.5);
    const r = await vgg.gradient(x, { kind: 'class', class: 9 }, { wrt: 'block4_conv3' });
    const [, h, w, c] = r.activation.shape as number[];
    const A = r.activation.data;
    const g = r.gradient.data;
    // tf-keras-vis multiplies by exp(score); any positive S shows it cancels (exp of a real score overflows).
    const S = 3.7;
    const globalSum = Array.from({ length: c! }, (_, k) => {
      let s = 0;
      for (let p = 0; p < h! * w!; p++) s += A[p * c! + k]!;
      return s;
    });
    const alphas = new Float64Array(A.length);
    const norm = new Float64Array(c!);
    for (let i = 0; i < A.length; i++) {
      const k = i % c!;
      const first = S * g[i]!;
      const second = first * g[i]!;
      const third = second * g[i]!;
      const denom = second * 2 + third * globalSum[k]! + (second === 0 ? 1 : 0);
      alphas[i] = second / denom;
      norm[k]! += alphas[i]!;
    }
    const dl = new Float64Array(c!);
    for (let i = 0; i < A.length; i++) dl[i % c!]! += Math.max(0, S * g[i]!) * (alphas[i]! / (norm[i % c!] || 1));
    const plusplus = new Float32Array(h! * w!);
    const layer = new Float32Array(h! * w!);
    for (let p = 0; p < h! * w!; p++) {
      let s = 0;
      let l = 0;
      for (let k = 0; k < c!; k++) {
        s += dl[k]! * A[p * c! + k]!;
        l += Math.max(0, g[p * c! + k]!) * A[p * c! + k]!;
      }
      plusplus[p] = Math.max(0, s);
      layer[p] = Math.max(0, l);
    }
    const pp = await gradientCam(vgg, x, { method: 'grad-cam++', layer: 'block4_conv3', class: 9 });
    const lc = await gradientCam(vgg, x, { method: 'layer-cam', layer: 'block4_conv3', class: 9 });
    expect(pp.heatmap.shape).toEqual([28, 28]);
    expect(Math.max(...plusplus)).toBeGreaterThan(0);
    expect(relativeL2(unit(pp.heatmap.data), unit(plusplus))).toBeLessThan(1e-4);
    expect(relativeL2(lc.heatmap.data, layer)).toBeLessThan(1e-4);
  });

  it('a pool layer or a no-top model is a usage error naming the fix', async () => {
    const { vgg } = await tinyTop();
    const x = wavyInput([1, 224, 224, 3]);
    await expect(gradientCam(vgg, x, { layer: 'block3_pool' })).rejects.toThrow(
      /pick a conv layer \(e\.g\. block5_conv3\)/,
    );
    await expect(gradientCam(vgg, x, { method: 'x' as 'grad-cam' })).rejects.toThrow(/unknown method 'x'/);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { buildGraph, type FloatTensor, tinyVgg, type VggGraph, type WeightSet } from '@vggscope/core';
import { lastConvLayer } from './grad-cam.js';
import type { TopWeights } from './top-path.js';
import { loadWeights } from '@vggscope/weights';
import { fillNormal, mulberry32 } from '@vggscope/synth-weights';
import { cachedSynthWeights, relativeL2, tinyWeights, wavyInput } from '@vggscope/test-utils';
import { kerasReference } from '@vggscope/test-utils/keras-reference';
import { describe, expect, it } from 'vitest';
import { gradCamFromActivation } from './grad-cam.js';
import { topForward } from './top-path.js';

const TOL = 1e-4;

/**
 * The independent reference: the top as tfjs-layers builds it (MaxPooling2D, Flatten, Dense ReLU ×2,
 * Dense without softmax — Keras' Grad-CAM example sets the last activation to None), and `tf.grad`
 * of the class score with respect to the last conv output, on the cpu backend.
 */
async function tfGradient(
  a: FloatTensor,
  top: TopWeights,
  cls: number,
): Promise<{ grad: Float32Array; logits: Float32Array }> {
  await tf.setBackend('cpu');
  const [, h, w, c] = a.shape as [number, number, number, number];
  // Zeros, not GlorotUniform: setWeights below overwrites every kernel (≈ 1 s of unused draws at 4096 wide).
  const head = tfl.sequential({
    layers: [
      tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid', inputShape: [h, w, c] }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: top.fc1.bias.shape[0]!, activation: 'relu', kernelInitializer: 'zeros' }),
      tfl.layers.dense({ units: top.fc2.bias.shape[0]!, activation: 'relu', kernelInitializer: 'zeros' }),
      tfl.layers.dense({ units: top.predictions.bias.shape[0]!, kernelInitializer: 'zeros' }),
    ],
  });
  const ts = [top.fc1, top.fc2, top.predictions].flatMap((l) => [
    tf.tensor(l.kernel.data, [...l.kernel.shape]),
    tf.tensor(l.bias.data, [...l.bias.shape]),
  ]);
  head.setWeights(ts);
  const x = tf.tensor(a.data, [1, h, w, c]);
  const score = (t: tf.Tensor) => tf.sum(tf.gather(head.apply(t) as tf.Tensor, [cls], 1));
  const g = tf.grad(score)(x);
  const logits = head.predict(x) as tf.Tensor;
  const out = { grad: (await g.data()) as Float32Array, logits: (await logits.data()) as Float32Array };
  tf.dispose([...ts, x, g, logits]);
  head.dispose();
  return out;
}

/** Grad-CAM from the reference gradient: α = spatial mean, ReLU(Σ α·A). */
function camFrom(a: FloatTensor, grad: Float32Array): Float32Array {
  const [, h, w, c] = a.shape as [number, number, number, number];
  const alpha = new Float64Array(c);
  for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) alpha[k]! += grad[p * c + k]! / (h * w);
  return Float32Array.from({ length: h * w }, (_, p) =>
    Math.max(
      0,
      alpha.reduce((s, al, k) => s + al * a.data[p * c + k]!, 0),
    ),
  );
}

function topOf(set: WeightSet): TopWeights {
  return { fc1: set.layers.get('fc1')!, fc2: set.layers.get('fc2')!, predictions: set.layers.get('predictions')! };
}

/**
 * The last conv output through tfjs-layers (the Keras model), so the engine is not involved here.
 * On tfjs' wasm backend: ≈ 4× faster than cpu at real widths; A is the input of both sides below.
 */
async function lastConv(graph: VggGraph, set: WeightSet, input: FloatTensor): Promise<FloatTensor> {
  const layer = lastConvLayer(graph);
  return (await kerasReference(graph, set, input, [layer], 'wasm')).get(layer)!;
}

async function compareWithTf(a: FloatTensor, top: TopWeights, classRef?: number) {
  const mine = gradCamFromActivation(a, top, classRef);
  const ref = await tfGradient(a, top, mine.class.index);
  expect(relativeL2(topForward(a, top).logits, ref.logits), 'logits').toBeLessThan(TOL);
  const gradErr = relativeL2(mine.gradient.data, ref.grad);
  expect(gradErr, `gradient: relative L2 ${gradErr}`).toBeLessThan(TOL);
  const camErr = relativeL2(mine.heatmap.data, camFrom(a, ref.grad));
  expect(camErr, `heatmap: relative L2 ${camErr}`).toBeLessThan(TOL);
  expect(Math.max(...mine.heatmap.data), 'heatmap must not be all zero').toBeGreaterThan(0);
  return mine;
}

describe('Grad-CAM vs tfjs-layers + tf.grad (cpu)', () => {
  it('tiny vgg16 with top, x=[1,224,224,3], top-1 and a chosen class', async () => {
    const graph = buildGraph(tinyVgg('vgg16'), { includeTop: true });
    const set = await loadWeights(await tinyWeights('vgg16', 'h5', { includeTop: true }), graph);
    const a = await lastConv(graph, set, wavyInput([1, 224, 224, 3]));
    expect(a.shape).toEqual([1, 14, 14, 16]);
    const top1 = await compareWithTf(a, topOf(set));
    expect(top1.layer).toBe('last conv');
    await compareWithTf(a, topOf(set), 281);
  });

  it('tiny vgg19 with top: block5_conv4', async () => {
    const graph = buildGraph(tinyVgg('vgg19'), { includeTop: true });
    expect(lastConvLayer(graph)).toBe('block5_conv4');
    const set = await loadWeights(await tinyWeights('vgg19', 'h5', { includeTop: true }), graph);
    await compareWithTf(await lastConv(graph, set, wavyInput([1, 224, 224, 3], 1.3)), topOf(set));
  });

  it('real-width vgg16 block5_conv3 at x=[1,64,80,3] (4×5×512: an odd column the pool drops), 4096-wide top', async () => {
    const graph = buildGraph('vgg16', { inputSize: [64, 80] });
    expect(lastConvLayer(graph)).toBe('block5_conv3');
    const a = await lastConv(graph, await cachedSynthWeights(graph, 11), wavyInput([1, 64, 80, 3]));
    expect(a.shape).toEqual([1, 4, 5, 512]);
    await compareWithTf(a, synthTop(2 * 2 * 512, 4096, 5));
  });
});

describe('Grad-CAM gradient vs finite differences', () => {
  it('tiny vgg16: central differences along random directions and single entries match ∂score/∂A', async () => {
    const graph = buildGraph(tinyVgg('vgg16'), { includeTop: true });
    const set = await loadWeights(await tinyWeights('vgg16', 'h5', { includeTop: true }), graph);
    const top = topOf(set);
    const a = await lastConv(graph, set, wavyInput([1, 224, 224, 3], 0.7));
    const cam = gradCamFromActivation(a, top);
    const score = (d: Float32Array, eps: number) => {
      // float64, so the step is not lost in float32 rounding of large activations
      const moved = Float64Array.from(a.data, (v, i) => v + eps * d[i]!);
      return topForward({ data: moved as unknown as Float32Array, shape: a.shape }, top).logits[cam.class.index]!;
    };
    const rand = mulberry32(3);
    const eps = 1e-3;
    // The score is piecewise linear in A, so away from kinks the central difference is exact up to
    // rounding. Kinks: an all-zero (dead) pool window has no unique maximum, so only positive entries move.
    for (let t = 0; t < 4; t++) {
      const d = Float32Array.from(a.data, (v) => (v > 0 ? rand() - 0.5 : 0));
      const fd = (score(d, eps) - score(d, -eps)) / (2 * eps);
      const analytic = cam.gradient.data.reduce((s, g, i) => s + g * d[i]!, 0);
      expect(
        Math.abs(fd - analytic) / Math.max(1e-6, Math.abs(analytic)),
        `direction ${t}: fd ${fd} vs ${analytic}`,
      ).toBeLessThan(1e-3);
    }
    const nonzero = [...cam.gradient.data.keys()].filter((i) => cam.gradient.data[i] !== 0 && a.data[i]! > 0);
    expect(nonzero.length).toBeGreaterThan(10);
    for (const i of nonzero.slice(0, 10)) {
      const e = new Float32Array(a.data.length);
      e[i] = 1;
      const fd = (score(e, eps) - score(e, -eps)) / (2 * eps);
      expect(Math.abs(fd - cam.gradient.data[i]!), `entry ${i}`).toBeLessThan(
        1e-3 * Math.max(1, Math.abs(cam.gradient.data[i]!)),
      );
    }
  });
});

/** A He-normal top for a given pooled feature count (the real top needs 224×224; this one fits a small input). */
function synthTop(features: number, units: number, seed: number): TopWeights {
  const rand = mulberry32(seed);
  const dense = (fin: number, fout: number) => ({
    kernel: { data: fillNormal(new Float32Array(fin * fout), Math.sqrt(2 / fin), rand), shape: [fin, fout] },
    bias: { data: Float32Array.from({ length: fout }, () => (rand() - 0.5) * 0.2), shape: [fout] },
  });
  return { fc1: dense(features, units), fc2: dense(units, units), predictions: dense(units, 1000) };
}

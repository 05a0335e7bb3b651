import {
  CAFFE_MEAN_BGR,
  type FloatTensor,
  type GradientObjective,
  type GradientResult,
  type Vgg,
  VggError,
} from '@vggscope/core';
import { classAt, type ImagenetClass, imagenetClass } from './class-ref.js';
import { argmax } from './grad-cam.js';
import { seededNormal } from './seeded-normal.js';

export const SALIENCY_METHODS = ['vanilla', 'smoothgrad', 'integrated-gradients', 'guided'] as const;
export type SaliencyMethod = (typeof SALIENCY_METHODS)[number];

export interface SaliencyOptions {
  readonly method?: SaliencyMethod;
  /** An index, WNID or label; default the image's top-1 prediction. Ignored with `objective`. */
  readonly class?: string | number;
  /** Differentiate this instead of a class score (e.g. a filter's mean activation). */
  readonly objective?: GradientObjective;
  /** SmoothGrad: noisy copies averaged (tf-keras-vis' `smooth_samples`); default 20. */
  readonly samples?: number;
  /** SmoothGrad: noise σ as a fraction of the input's range (tf-keras-vis' `smooth_noise`); default 0.2. */
  readonly noise?: number;
  /** Integrated Gradients: Riemann steps from the baseline; default 50. */
  readonly steps?: number;
  /** Integrated Gradients: the start, preprocessed `[1,H,W,3]`; default a black image. */
  readonly baseline?: FloatTensor;
  /** SmoothGrad's noise seed; the same seed gives the same bytes. Default 0. */
  readonly seed?: number;
  /** Called after each gradient pass (`done` of `total`). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface SaliencyResult {
  readonly method: SaliencyMethod;
  /** The class whose score was differentiated (undefined with a custom objective). */
  readonly class?: ImagenetClass;
  /** Its softmax probability for the image (class objectives). */
  readonly probability?: number;
  /** The objective at the image (the class score before softmax). */
  readonly score: number;
  /** The attribution per input value, `[1,H,W,3]` in the preprocessed (caffe BGR) space. */
  readonly gradient: FloatTensor;
  /** max over channels of |gradient| (tf-keras-vis' Saliency map, not normalised), `[H, W]`. */
  readonly map: FloatTensor;
  /** Gradient passes this cost. */
  readonly passes: number;
}

/** What saliency needs of a model: a session with a reverse pass (`loadVgg`, simd or reference backend). */
export type SaliencyModel = Pick<Vgg, 'graph' | 'gradient' | 'extract'>;

/**
 * Which input pixels move the class score: vanilla gradients (Simonyan et al. 2014), SmoothGrad
 * (Smilkov et al. 2017: the mean gradient over noisy copies), Integrated Gradients (Sundararajan et
 * al. 2017: (x − baseline) · the mean gradient along the straight path), or guided backprop
 * (Springenberg et al. 2015). The map is max over channels of |·|, as tf-keras-vis' `Saliency`.
 * @example (await saliency(vgg, x, { method: 'smoothgrad', samples: 20 })).map.shape // [224, 224]
 */
export async function saliency(
  model: SaliencyModel,
  x: FloatTensor,
  options: SaliencyOptions = {},
): Promise<SaliencyResult> {
  if (x.shape.length !== 4 || x.shape[0] !== 1 || x.shape[3] !== 3) {
    throw new VggError(
      'E_INPUT_SHAPE',
      `saliency: one preprocessed image [1, H, W, 3] expected, got [${x.shape.join(', ')}]`,
    );
  }
  const method = options.method ?? 'vanilla';
  if (!SALIENCY_METHODS.includes(method)) {
    throw new VggError('E_USAGE', `saliency: unknown method '${method}'; use ${SALIENCY_METHODS.join(', ')}`);
  }
  const target = await chooseObjective(model, x, options);
  const grad = (input: FloatTensor, relu: 'plain' | 'guided' = 'plain') =>
    model.gradient(input, target.objective, { relu });
  let result: { gradient: Float32Array; score: number; passes: number };
  if (method === 'vanilla' || method === 'guided') {
    const r = await grad(x, method === 'guided' ? 'guided' : 'plain');
    options.onProgress?.(1, 1);
    result = { gradient: r.gradient.data, score: r.value[0]!, passes: 1 };
  } else if (method === 'smoothgrad') result = await smoothGrad(x, grad, options);
  else result = await integratedGradients(x, grad, options);
  const gradient = { data: result.gradient, shape: [...x.shape] };
  return {
    method,
    class: target.class,
    probability: target.probability,
    score: result.score,
    gradient,
    map: channelMaxAbs(gradient),
    passes: result.passes,
  };
}

async function chooseObjective(
  model: SaliencyModel,
  x: FloatTensor,
  options: SaliencyOptions,
): Promise<{ objective: GradientObjective; class?: ImagenetClass; probability?: number }> {
  if (options.objective) return { objective: options.objective };
  if (!model.graph.includeTop) {
    throw new VggError('E_USAGE', 'saliency: a class score needs the classifier; load the model with its top', {
      hint: 'use the with-top weights (run without --weights to fetch them)',
    });
  }
  const [probs] = await model.extract(x, { layers: ['predictions'] });
  const cls = options.class === undefined ? classAt(argmax(probs!.data)) : imagenetClass(options.class);
  return { objective: { kind: 'class', class: cls.index }, class: cls, probability: probs!.data[cls.index]! };
}

type GradFn = (input: FloatTensor) => Promise<GradientResult>;

/** Mean gradient over `samples` copies of x + N(0, (noise·(max−min))²), tf-keras-vis' recipe. */
async function smoothGrad(x: FloatTensor, grad: GradFn, o: SaliencyOptions) {
  const samples = wholeNumber('samples', o.samples ?? 20);
  const noise = o.noise ?? 0.2;
  if (!(noise >= 0 && Number.isFinite(noise)))
    throw new VggError('E_USAGE', `saliency: noise must be ≥ 0, got ${noise}`);
  let min = Infinity;
  let max = -Infinity;
  for (const v of x.data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const sigma = noise * (max - min);
  const normal = seededNormal(o.seed ?? 0);
  const sum = new Float64Array(x.data.length);
  const noisy = new Float32Array(x.data.length);
  let score = 0;
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < noisy.length; i++) noisy[i] = x.data[i]! + sigma * normal();
    const r = await grad({ data: noisy, shape: x.shape });
    for (let i = 0; i < sum.length; i++) sum[i]! += r.gradient.data[i]!;
    score += r.value[0]!;
    o.onProgress?.(s + 1, samples);
  }
  return { gradient: Float32Array.from(sum, (v) => v / samples), score: score / samples, passes: samples };
}

/** (x − x₀) · mean over k = 1…m of ∇f(x₀ + k/m·(x − x₀)) (right Riemann sum), x₀ black by default. */
async function integratedGradients(x: FloatTensor, grad: GradFn, o: SaliencyOptions) {
  const steps = wholeNumber('steps', o.steps ?? 50);
  const base = o.baseline?.data ?? blackImage(x.data.length);
  if (base.length !== x.data.length) {
    throw new VggError('E_INPUT_SHAPE', `saliency: the baseline must have the input's shape [${x.shape.join(', ')}]`);
  }
  const sum = new Float64Array(x.data.length);
  const point = new Float32Array(x.data.length);
  let score = 0;
  for (let k = 1; k <= steps; k++) {
    for (let i = 0; i < point.length; i++) point[i] = base[i]! + (k / steps) * (x.data[i]! - base[i]!);
    const r = await grad({ data: point, shape: x.shape });
    for (let i = 0; i < sum.length; i++) sum[i]! += r.gradient.data[i]!;
    if (k === steps) score = r.value[0]!;
    o.onProgress?.(k, steps);
  }
  return {
    gradient: Float32Array.from(sum, (v, i) => ((x.data[i]! - base[i]!) * v) / steps),
    score,
    passes: steps,
  };
}

/** A black RGB image in the preprocessed space: 0 − the caffe mean, per BGR channel. */
function blackImage(length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => -CAFFE_MEAN_BGR[i % 3]!);
}

/** max over the last axis of |x| for `[1,H,W,C]` → `[H,W]`. */
export function channelMaxAbs(x: FloatTensor): FloatTensor {
  const [, h, w, c] = x.shape as [number, number, number, number];
  const out = new Float32Array(h * w);
  for (let p = 0; p < h * w; p++) {
    let m = 0;
    for (let k = 0; k < c; k++) m = Math.max(m, Math.abs(x.data[p * c + k]!));
    out[p] = m;
  }
  return { data: out, shape: [h, w] };
}

function wholeNumber(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1)
    throw new VggError('E_USAGE', `saliency: ${name} must be a whole number ≥ 1, got ${v}`);
  return v;
}

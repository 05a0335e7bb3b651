import { VggError } from '@vggscope/core';
import type { VggGraph } from '@vggscope/core';
import type { Vgg, VggInput } from '@vggscope/core';
import type { FloatTensor } from '@vggscope/core';
import { classAt, imagenetClass, type ImagenetClass } from './class-ref.js';
import { type TopWeights, topBackward, topForward } from './top-path.js';

/** A class heatmap of one image at the resolution of the layer it was computed on. */
/** Every class-heatmap method, by the name its output files carry. */
export type CamMethod = 'grad-cam' | 'grad-cam++' | 'layer-cam' | 'score-cam' | 'faster-score-cam';

export interface ClassHeatmap {
  readonly method: CamMethod;
  readonly layer: string;
  readonly class: ImagenetClass;
  /** The class's softmax probability for the (unmasked) image. */
  readonly probability: number;
  /** `[h, w]`: ReLU(Σₖ αₖ·Aₖ), not normalised (divide by its max to get Keras' example's 0..1). */
  readonly heatmap: FloatTensor;
  /** αₖ, one per channel of the layer. */
  readonly weights: Float32Array;
}

export interface GradCamResult extends ClassHeatmap {
  readonly method: 'grad-cam';
  /** The class score before softmax. */
  readonly score: number;
  /** ∂score/∂A, `[h, w, c]`. */
  readonly gradient: FloatTensor;
}

export interface GradCamOptions {
  /** The classifier's weights (`readTopWeights`). */
  readonly top: TopWeights;
  /** An index, WNID or label; default: each image's top-1 prediction. */
  readonly class?: string | number;
}

/** The conv layer Grad-CAM looks at: the last one before block5_pool (VGG16 block5_conv3, VGG19 block5_conv4). */
export function lastConvLayer(graph: VggGraph): string {
  const pool = graph.layers.findIndex((l) => l.name === 'block5_pool');
  return graph.layers[pool - 1]!.name;
}

/**
 * Grad-CAM from one image's last-conv output `[1, h, w, c]` (or `[h, w, c]`) and the top weights:
 * the pre-softmax class score's gradient with respect to the activation, α = its spatial mean per
 * channel, heatmap = ReLU(Σₖ αₖ·Aₖ) — Keras' Grad-CAM example, without autodiff.
 * @example gradCamFromActivation(a /* [1,14,14,512] *\/, top).heatmap.shape // [14, 14]
 */
export function gradCamFromActivation(
  a: FloatTensor,
  top: TopWeights,
  classRef?: string | number,
  layer = 'last conv',
): GradCamResult {
  if (a.shape.length === 4 && a.shape[0] !== 1)
    throw new VggError('E_INPUT_SHAPE', `gradCam: one image's activation expected, got [${a.shape.join(', ')}]`);
  const [h, w, c] = a.shape.slice(-3) as [number, number, number];
  const pass = topForward(a, top);
  const classes = pass.logits.length;
  const cls = classRef === undefined ? classAt(argmax(pass.logits)) : imagenetClass(classRef);
  if (cls.index >= classes)
    throw new VggError('E_USAGE', `gradCam: class ${cls.index} is beyond this top's ${classes} classes`);
  const grad = topBackward(a.shape, pass, top, cls.index);
  const alpha = new Float32Array(c);
  for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) alpha[k]! += grad[p * c + k]!;
  for (let k = 0; k < c; k++) alpha[k]! /= h * w;
  return {
    method: 'grad-cam',
    layer,
    class: cls,
    probability: pass.probabilities[cls.index]!,
    score: pass.logits[cls.index]!,
    heatmap: weightedSum(a, alpha),
    weights: alpha,
    gradient: { data: grad, shape: [h, w, c] },
  };
}

/**
 * Grad-CAM for each image of `input`, on a session created with the top (224×224) whose `layers`
 * include the last conv; the backward pass runs in plain TypeScript from `options.top`.
 * @example (await gradCam(vgg, 'cat.jpg', { top }))[0].heatmap.shape // [14, 14]
 */
export async function gradCam(
  vgg: Pick<Vgg, 'graph' | 'extract'>,
  input: VggInput,
  options: GradCamOptions,
): Promise<GradCamResult[]> {
  const layer = lastConvLayer(vgg.graph);
  const [a] = await vgg.extract(input, { layers: [layer] });
  const [n, h, w, c] = a!.shape as [number, number, number, number];
  const size = h * w * c;
  return Array.from({ length: n }, (_, b) =>
    gradCamFromActivation(
      { data: a!.data.subarray(b * size, (b + 1) * size), shape: [1, h, w, c] },
      options.top,
      options.class,
      layer,
    ),
  );
}

/** ReLU(Σₖ αₖ·Aₖ) over the channels of one image's `[.., h, w, c]` activation. */
export function weightedSum(a: FloatTensor, alpha: ArrayLike<number>): FloatTensor {
  const [h, w, c] = a.shape.slice(-3) as [number, number, number];
  const out = new Float32Array(h * w);
  for (let p = 0; p < h * w; p++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += alpha[k]! * a.data[p * c + k]!;
    out[p] = s > 0 ? s : 0;
  }
  return { data: out, shape: [h, w] };
}

export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

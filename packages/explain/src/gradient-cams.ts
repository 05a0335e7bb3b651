import { type FloatTensor, findLayer, type Vgg, VggError } from '@vggscope/core';
import { classAt, imagenetClass, type ImagenetClass } from './class-ref.js';
import { argmax, type ClassHeatmap, lastConvLayer, weightedSum } from './grad-cam.js';

export const GRADIENT_CAM_METHODS = ['grad-cam', 'grad-cam++', 'layer-cam'] as const;
export type GradientCamMethod = (typeof GRADIENT_CAM_METHODS)[number];

export interface GradientCamOptions {
  readonly method?: GradientCamMethod;
  /** Any conv layer (name or Keras index); default the last conv (Keras' `last_conv_layer_name`). */
  readonly layer?: string | number;
  /** An index, WNID or label; default the image's top-1 prediction. */
  readonly class?: string | number;
}

export interface GradientCamResult extends ClassHeatmap {
  readonly method: GradientCamMethod;
  /** The class score before softmax. */
  readonly score: number;
  /** ∂score/∂A at the layer, `[h, w, c]`. */
  readonly gradient: FloatTensor;
}

/**
 * Class heatmaps from the gradient of the class score (before softmax) at a conv layer, one
 * forward and one reverse pass through the backend (the top included), following tf-keras-vis:
 * - Grad-CAM (Selvaraju et al.): αₖ = mean of ∂S/∂Aₖ; ReLU(Σₖ αₖAₖ).
 * - Grad-CAM++ (Chattopadhay et al.): αᵢⱼₖ = g² / (2g² + g³·ΣᵢⱼAₖ), normalised over i,j; wₖ =
 *   Σᵢⱼ αᵢⱼₖ·ReLU(gᵢⱼₖ); ReLU(Σₖ wₖAₖ). tf-keras-vis multiplies g by exp(S) first: a positive
 *   factor that cancels in α and only scales the map (and overflows float32 for scores ≳ 88), so
 *   it is left out; the maps agree after tf-keras-vis' min–max normalisation.
 * - LayerCAM (Jiang et al.): ReLU(Σₖ ReLU(gᵢⱼₖ)·Aᵢⱼₖ), pixel by pixel (good at early layers).
 * @example (await gradientCam(vgg, x, { method: 'layer-cam', layer: 'block3_conv3' })).heatmap.shape // [56, 56]
 */
export async function gradientCam(
  vgg: Pick<Vgg, 'graph' | 'gradient'>,
  x: FloatTensor,
  options: GradientCamOptions = {},
): Promise<GradientCamResult> {
  const graph = vgg.graph;
  const method = options.method ?? 'grad-cam';
  if (!GRADIENT_CAM_METHODS.includes(method))
    throw new VggError('E_USAGE', `gradientCam: unknown method '${method}'; use ${GRADIENT_CAM_METHODS.join(', ')}`);
  if (!graph.includeTop)
    throw new VggError('E_USAGE', 'gradientCam: the class score needs the classifier; load the model with its top', {
      hint: 'use the with-top weights (run without --weights to fetch them)',
    });
  const layer = findLayer(graph, options.layer ?? lastConvLayer(graph));
  if (layer.spec.kind !== 'conv')
    throw new VggError(
      'E_USAGE',
      `gradientCam: '${layer.name}' is a ${layer.spec.kind} layer; pick a conv layer (e.g. ${lastConvLayer(graph)})`,
    );
  if (x.shape.length !== 4 || x.shape[0] !== 1)
    throw new VggError('E_INPUT_SHAPE', `gradientCam: one image [1, H, W, 3] expected, got [${x.shape.join(', ')}]`);
  const wanted = options.class === undefined ? undefined : imagenetClass(options.class);
  let chosen: { class: ImagenetClass; probability: number } | undefined;
  // The class is picked from the same pass's scores (top-1 = argmax of the scores = of the softmax).
  const r = await vgg.gradient(
    x,
    {
      kind: 'custom',
      layer: 'predictions',
      fn: (scores) => {
        const c = wanted?.index ?? argmax(scores.data);
        if (c >= scores.data.length)
          throw new VggError('E_USAGE', `gradientCam: class ${c} is beyond this top's ${scores.data.length} classes`);
        chosen = { class: wanted ?? classAt(c), probability: softmaxAt(scores.data, c) };
        const gradient = new Float32Array(scores.data.length);
        gradient[c] = 1;
        return { value: Float32Array.of(scores.data[c]!), gradient: { data: gradient, shape: [...scores.shape] } };
      },
    },
    { wrt: layer.name },
  );
  const [, h, w, c] = r.activation.shape as [number, number, number, number];
  const a = { data: r.activation.data, shape: [h, w, c] };
  const g = r.gradient.data;
  const { heatmap, weights } =
    method === 'grad-cam' ? gradCamMap(a, g) : method === 'grad-cam++' ? gradCamPlusPlusMap(a, g) : layerCamMap(a, g);
  return {
    method,
    layer: layer.name,
    class: chosen!.class,
    probability: chosen!.probability,
    score: r.value[0]!,
    heatmap,
    weights,
    gradient: { data: g, shape: [h, w, c] },
  };
}

function gradCamMap(a: FloatTensor, g: Float32Array) {
  const [h, w, c] = a.shape as [number, number, number];
  const alpha = new Float32Array(c);
  const sum = new Float64Array(c);
  for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) sum[k]! += g[p * c + k]!;
  for (let k = 0; k < c; k++) alpha[k] = sum[k]! / (h * w);
  return { heatmap: weightedSum(a, alpha), weights: alpha };
}

function gradCamPlusPlusMap(a: FloatTensor, g: Float32Array) {
  const [h, w, c] = a.shape as [number, number, number];
  const hw = h * w;
  const globalSum = new Float64Array(c);
  for (let p = 0; p < hw; p++) for (let k = 0; k < c; k++) globalSum[k]! += a.data[p * c + k]!;
  const alphas = new Float64Array(hw * c);
  const norm = new Float64Array(c);
  for (let p = 0; p < hw; p++) {
    for (let k = 0; k < c; k++) {
      const gi = g[p * c + k]!;
      const second = gi * gi;
      const denom = 2 * second + second * gi * globalSum[k]! + (second === 0 ? 1 : 0);
      alphas[p * c + k] = second / denom;
      norm[k]! += second / denom;
    }
  }
  const weights = new Float32Array(c);
  for (let k = 0; k < c; k++) {
    const n = norm[k] === 0 ? 1 : norm[k]!;
    let s = 0;
    for (let p = 0; p < hw; p++) s += Math.max(0, g[p * c + k]!) * (alphas[p * c + k]! / n);
    weights[k] = s;
  }
  return { heatmap: weightedSum(a, weights), weights };
}

function layerCamMap(a: FloatTensor, g: Float32Array) {
  const [h, w, c] = a.shape as [number, number, number];
  const out = new Float32Array(h * w);
  const weights = new Float32Array(c);
  for (let p = 0; p < h * w; p++) {
    let s = 0;
    for (let k = 0; k < c; k++) {
      const gi = Math.max(0, g[p * c + k]!);
      s += gi * a.data[p * c + k]!;
      weights[k]! += gi / (h * w);
    }
    out[p] = Math.max(0, s);
  }
  return { heatmap: { data: out, shape: [h, w] }, weights };
}

function softmaxAt(scores: Float32Array, c: number): number {
  let max = -Infinity;
  for (const v of scores) max = Math.max(max, v);
  let sum = 0;
  for (const v of scores) sum += Math.exp(v - max);
  return Math.exp(scores[c]! - max) / sum;
}

import { VggError } from '@vggscope/core';
import { findLayer } from '@vggscope/core';
import { preprocessInput } from '@vggscope/core';
import type { RgbImage } from '@vggscope/image';
import { loadInput } from '@vggscope/image';
import type { Vgg } from '@vggscope/core';
import type { FloatTensor } from '@vggscope/core';
import { classAt, imagenetClass } from './class-ref.js';
import { argmax, type ClassHeatmap, lastConvLayer, weightedSum } from './grad-cam.js';
import { channelMap, upsampleBilinear } from '@vggscope/core';

export interface ScoreCamOptions {
  /** Any conv layer (name or Keras index); default the last conv, as Grad-CAM. */
  readonly layer?: string | number;
  /** An index, WNID or label; default the image's top-1 prediction. */
  readonly class?: string | number;
  /** Keep only the N channels of highest spatial variance (tf-keras-vis' Faster Score-CAM); default all. */
  readonly maxN?: number;
  /** Masked images per forward pass; default 8. */
  readonly batchSize?: number;
  /** Called after each batch with masked images scored so far and in all. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ScoreCamResult extends ClassHeatmap {
  readonly method: 'score-cam';
  /** Channels that were scored (highest variance first); the others have weight 0. */
  readonly channels: readonly number[];
  /** Forward passes (masked images) this heatmap cost, plus one for the unmasked image. */
  readonly passes: number;
}

/** What Score-CAM needs of a model: a session (`loadVgg`), or a pool adapter `{ graph, extract: (x) => pool.runSplit(x) }`. */
export type ScoreCamModel = Pick<Vgg, 'graph'> & {
  extract(
    input: FloatTensor,
    options: { layers: readonly string[] },
  ): Promise<readonly (FloatTensor & { layer?: string })[]>;
};

/**
 * Score-CAM (Wang et al. 2020), forward passes only: each channel's map of `layer` is upsampled to
 * the input (bilinear), min–max normalised to 0..1, multiplied into the preprocessed input, and the
 * model's softmax probability for the class is that channel's weight; heatmap = ReLU(Σₖ wₖ·Aₖ) at
 * the layer's resolution. The session needs the top (224×224) with `predictions` among its layers.
 * @example (await scoreCam(vgg, 'cat.jpg', { maxN: 64 })).heatmap.shape // [14, 14]
 */
export async function scoreCam(
  vgg: ScoreCamModel,
  image: string | RgbImage | FloatTensor,
  options: ScoreCamOptions = {},
): Promise<ScoreCamResult> {
  const graph = vgg.graph;
  if (!graph.includeTop)
    throw new VggError('E_USAGE', 'scoreCam: the model needs its top (includeTop: true) to score the masked images');
  const layer = findLayer(graph, options.layer ?? lastConvLayer(graph));
  if (layer.spec.kind !== 'conv')
    throw new VggError('E_USAGE', `scoreCam: '${layer.name}' is a ${layer.spec.kind} layer; pick a conv layer`);
  const x = await toInput(image, graph.inputSize);
  // Outputs are picked by name, so a pool that always returns the layers it was made with works too.
  const first = await vgg.extract(x, { layers: [layer.name, 'predictions'] });
  const a = pick(first, layer.name);
  const probs = pick(first, 'predictions');
  const cls = options.class === undefined ? classAt(argmax(probs!.data)) : imagenetClass(options.class);
  const [, h, w, c] = a!.shape as [number, number, number, number];
  const maxN = options.maxN ?? c;
  if (!Number.isInteger(maxN) || maxN < 1)
    throw new VggError('E_USAGE', `scoreCam: maxN must be a whole number ≥ 1, got ${maxN}`);
  const channels = byVariance(a!, Math.min(maxN, c));
  const batchSize = Math.max(1, options.batchSize ?? 8);
  const [H, W] = graph.inputSize;
  const weights = new Float32Array(c);
  const pixels = H * W;
  for (let start = 0; start < channels.length; start += batchSize) {
    const chunk = channels.slice(start, start + batchSize);
    const batch = new Float32Array(chunk.length * pixels * 3);
    chunk.forEach((k, b) => {
      const mask = unitMask(upsampleBilinear(channelMap(a!, k), H, W).data);
      const o = b * pixels * 3;
      for (let p = 0; p < pixels; p++) {
        const m = mask[p]!;
        batch[o + 3 * p] = x.data[3 * p]! * m;
        batch[o + 3 * p + 1] = x.data[3 * p + 1]! * m;
        batch[o + 3 * p + 2] = x.data[3 * p + 2]! * m;
      }
    });
    const scored = pick(
      await vgg.extract({ data: batch, shape: [chunk.length, H, W, 3] }, { layers: ['predictions'] }),
      'predictions',
    );
    const classes = scored!.shape[1]!;
    chunk.forEach((k, b) => (weights[k] = scored!.data[b * classes + cls.index]!));
    options.onProgress?.(start + chunk.length, channels.length);
  }
  return {
    method: 'score-cam',
    layer: layer.name,
    class: cls,
    probability: probs!.data[cls.index]!,
    heatmap: weightedSum({ data: a!.data, shape: [h, w, c] }, weights),
    weights,
    channels,
    passes: channels.length + 1,
  };
}

function pick(outputs: readonly (FloatTensor & { layer?: string })[], name: string): FloatTensor {
  const found = outputs.find((o) => o.layer === name) ?? (outputs.length === 1 ? outputs[0] : undefined);
  if (!found)
    throw new VggError(
      'E_INTERNAL',
      `scoreCam: the model returned no '${name}' output (got ${outputs.map((o) => o.layer).join(', ')})`,
    );
  return found;
}

/** (v − min) / (max − min); a constant map gives an all-zero mask (as tf-keras-vis' ε does). */
export function unitMask(data: Float32Array): Float32Array {
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min;
  return data.map((v) => (span > 0 ? (v - min) / span : 0));
}

/** Channel indices of an NHWC activation by decreasing spatial variance (ties: lower index first). */
export function byVariance(a: FloatTensor, n: number): number[] {
  const [h, w, c] = a.shape.slice(-3) as [number, number, number];
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < c; k++) {
      const v = a.data[p * c + k]!;
      sum[k]! += v;
      sq[k]! += v * v;
    }
  }
  const variance = Array.from({ length: c }, (_, k) => sq[k]! / (h * w) - (sum[k]! / (h * w)) ** 2);
  return Array.from(variance.keys())
    .sort((i, j) => variance[j]! - variance[i]! || i - j)
    .slice(0, n);
}

async function toInput(image: string | RgbImage | FloatTensor, size: readonly [number, number]): Promise<FloatTensor> {
  if (typeof image === 'string') return loadInput(image, size);
  if ('width' in image) return preprocessInput(image);
  if (image.shape.length !== 4 || image.shape[0] !== 1) {
    throw new VggError('E_INPUT_SHAPE', `scoreCam: one image expected ([1, H, W, 3]), got [${image.shape.join(', ')}]`);
  }
  return image;
}

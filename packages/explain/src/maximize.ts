import { type FloatTensor, type GradientObjective, type RgbImage, type Vgg, VggError } from '@vggscope/core';
import { seededUniform } from './seeded-normal.js';

/** What to excite: the mean activation of filters of a conv/pool layer, or class scores (before softmax). */
export type MaximizeTarget =
  | { readonly kind: 'filter'; readonly layer: string; readonly filters: readonly number[] }
  | { readonly kind: 'class'; readonly classes: readonly number[] };

export interface MaximizeOptions {
  /** Gradient-ascent steps; default 40 (the Keras book). */
  readonly steps?: number;
  /** Step size on the RMS-normalised gradient; default 1. */
  readonly step?: number;
  /** Seed of the start image's noise; default 0. */
  readonly seed?: number;
  /** Start from this preprocessed `[1,H,W,3]` image (a photo: DeepDream-style) instead of gray + noise. */
  readonly init?: FloatTensor;
  /**
   * Jitter (tf-keras-vis' `Jitter`, Lucid's `jitter`): before each step every image is rolled by a
   * seeded random offset of up to this many pixels in each direction, and its gradient rolled back;
   * patterns come out less noisy. Default 0 (the book's recipe).
   */
  readonly jitter?: number;
  /** Decay (Yosinski et al.'s L2 regularizer): x ← (1 − decay)·x after each step; default 0. */
  readonly decay?: number;
  /** Targets per gradient pass (each its own image in one batch); default 16. */
  readonly batch?: number;
  /** After every step: the objective of each target (before that step) and the targets done so far. */
  readonly onStep?: (step: number, values: readonly number[], done: number) => void;
}

export interface MaximizeResult {
  /** The final input of each target, `[1,H,W,3]` in the preprocessed (caffe BGR) space. */
  readonly inputs: FloatTensor[];
  /** Per target: the objective at the start and after each step (`steps + 1` values). */
  readonly history: number[][];
}

/**
 * The patterns a filter or a class responds to, by gradient ascent on the model's input with the
 * Keras book's VGG16 recipe (*Deep Learning with Python* §5.4.2): start from 128 + 20·U(0,1) (a
 * noisy gray image fed to the model as it is), then `steps` times x += step · g / (√mean(g²) + 1e-5),
 * g = ∂mean(activation of filter f)/∂x. Targets run `batch` at a time, one image each.
 * @example (await maximize(vgg, { kind: 'filter', layer: 'block3_conv1', filters: [0, 1] })).inputs.length // 2
 */
export async function maximize(
  vgg: Pick<Vgg, 'graph' | 'gradient'>,
  target: MaximizeTarget,
  options: MaximizeOptions = {},
): Promise<MaximizeResult> {
  const steps = options.steps ?? 40;
  if (!Number.isInteger(steps) || steps < 1)
    throw new VggError('E_USAGE', `maximize: steps must be a whole number ≥ 1, got ${steps}`, { hint: '--steps 40' });
  const step = options.step ?? 1;
  if (!(step > 0 && Number.isFinite(step))) throw new VggError('E_USAGE', `maximize: step must be > 0, got ${step}`);
  const batch = Math.max(1, options.batch ?? 16);
  const jitter = options.jitter ?? 0;
  const decay = options.decay ?? 0;
  if (!Number.isInteger(jitter) || jitter < 0)
    throw new VggError('E_USAGE', `maximize: jitter must be a whole number of pixels ≥ 0, got ${jitter}`);
  if (!(decay >= 0 && decay < 1)) throw new VggError('E_USAGE', `maximize: decay must be in [0, 1), got ${decay}`);
  const indices = target.kind === 'filter' ? target.filters : target.classes;
  // One stream per target, apart from the start images': the same bytes with or without jitter, in any batching.
  const shifts = indices.map((_, t) => seededUniform((((options.seed ?? 0) ^ 0x9e3779b9) + t * 0x85ebca6b) >>> 0));
  if (indices.length === 0) throw new VggError('E_USAGE', 'maximize: no filter or class to maximize');
  const [h, w] = vgg.graph.inputSize;
  const size = h * w * 3;
  if (options.init && options.init.data.length !== size)
    throw new VggError(
      'E_INPUT_SHAPE',
      `maximize: the start image must be [1, ${h}, ${w}, 3], got [${options.init.shape.join(', ')}]`,
    );
  const uniform = seededUniform(options.seed ?? 0);
  // One start image per target, drawn in target order: the same seed gives the same bytes in any batching.
  const starts = indices.map(
    () => options.init?.data.slice() ?? Float32Array.from({ length: size }, () => 128 + 20 * uniform()),
  );
  const inputs: FloatTensor[] = [];
  const history: number[][] = [];
  for (let b0 = 0; b0 < indices.length; b0 += batch) {
    const chunk = indices.slice(b0, b0 + batch);
    const x = new Float32Array(chunk.length * size);
    chunk.forEach((_, i) => x.set(starts[b0 + i]!, i * size));
    const objective: GradientObjective =
      target.kind === 'filter'
        ? { kind: 'filter', layer: target.layer, filter: chunk }
        : { kind: 'class', class: chunk };
    const values: number[][] = chunk.map(() => []);
    for (let s = 0; s <= steps; s++) {
      const last = s === steps; // the last pass only measures the final objective, unjittered
      const offsets = chunk.map((_, i) =>
        last || jitter === 0
          ? ([0, 0] as const)
          : ([pick(shifts[b0 + i]!, jitter), pick(shifts[b0 + i]!, jitter)] as const),
      );
      const seen = jitter === 0 || last ? x : rollAll(x, offsets, h, w, 1);
      const r = await vgg.gradient({ data: seen, shape: [chunk.length, h, w, 3] }, objective);
      chunk.forEach((_, i) => values[i]!.push(r.value[i]!));
      if (last) break;
      const g = jitter === 0 ? r.gradient.data : rollAll(r.gradient.data, offsets, h, w, -1);
      for (let i = 0; i < chunk.length; i++) {
        const xi = x.subarray(i * size, (i + 1) * size);
        ascend(xi, g.subarray(i * size, (i + 1) * size), step);
        if (decay > 0) for (let k = 0; k < xi.length; k++) xi[k]! *= 1 - decay;
      }
      options.onStep?.(s + 1, Array.from(r.value), b0);
    }
    chunk.forEach((_, i) => inputs.push({ data: x.slice(i * size, (i + 1) * size), shape: [1, h, w, 3] }));
    history.push(...values);
  }
  return { inputs, history };
}

/** A whole number in [−max, max]. */
function pick(uniform: () => number, max: number): number {
  return Math.floor(uniform() * (2 * max + 1)) - max;
}

/** Rolls each `[H,W,3]` image of a batch cyclically by (dy, dx)·sign (sign −1 undoes it). */
function rollAll(
  src: Float32Array,
  offsets: readonly (readonly [number, number])[],
  h: number,
  w: number,
  sign: 1 | -1,
): Float32Array {
  const out = new Float32Array(src.length);
  const size = h * w * 3;
  offsets.forEach(([dy, dx], b) => {
    for (let y = 0; y < h; y++) {
      const ty = (((y + sign * dy) % h) + h) % h;
      for (let x = 0; x < w; x++) {
        const tx = (((x + sign * dx) % w) + w) % w;
        const from = b * size + (y * w + x) * 3;
        const to = b * size + (ty * w + tx) * 3;
        out[to] = src[from]!;
        out[to + 1] = src[from + 1]!;
        out[to + 2] = src[from + 2]!;
      }
    }
  });
  return out;
}

/** x += step · g / (√mean(g²) + 1e-5). */
function ascend(x: Float32Array, g: Float32Array, step: number): void {
  let sq = 0;
  for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
  const scale = step / (Math.sqrt(sq / g.length) + 1e-5);
  for (let i = 0; i < x.length; i++) x[i]! += scale * g[i]!;
}

/**
 * The Keras book's `deprocess_image`: centre, divide by the standard deviation (+1e-5), × 0.1,
 * + 0.5, clip to 0..1, × 255 as uint8; channels flipped from the model's BGR to RGB for display.
 * @example deprocessImage(result.inputs[0]).width // 150
 */
export function deprocessImage(x: FloatTensor): RgbImage {
  const [, h, w] = x.shape as [number, number, number, number];
  let mean = 0;
  for (const v of x.data) mean += v;
  mean /= x.data.length;
  let variance = 0;
  for (const v of x.data) variance += (v - mean) ** 2;
  const std = Math.sqrt(variance / x.data.length);
  const data = new Uint8Array(h * w * 3);
  for (let p = 0; p < h * w; p++) {
    for (let c = 0; c < 3; c++) {
      const v = ((x.data[p * 3 + (2 - c)]! - mean) / (std + 1e-5)) * 0.1 + 0.5;
      data[p * 3 + c] = Math.floor(Math.min(1, Math.max(0, v)) * 255); // astype('uint8') truncates
    }
  }
  return { width: w, height: h, data };
}

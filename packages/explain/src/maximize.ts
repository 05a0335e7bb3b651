import {
  type FloatTensor,
  type GradientObjective,
  MIN_INPUT_SIDE,
  type RgbImage,
  type Vgg,
  VggError,
} from '@vggscope/core';
import { penalty } from './regularizers.js';
import { resizing, roll, rotation, sample, sampleAdjoint } from './resample.js';
import { seededUniform } from './seeded-normal.js';

/** What to excite: the mean activation of filters of a conv/pool layer, or class scores (before softmax). */
export type MaximizeTarget =
  | { readonly kind: 'filter'; readonly layer: string; readonly filters: readonly number[] }
  | { readonly kind: 'class'; readonly classes: readonly number[] };

/** What `maximize` needs of a session. */
export type MaximizeModel = Pick<Vgg, 'graph' | 'gradient'>;

export interface MaximizeOptions {
  /** Gradient-ascent steps (per octave); default 40 (the Keras book). */
  readonly steps?: number;
  /** Step size on the RMS-normalised gradient; default 1. */
  readonly step?: number;
  /** Seed of the start image's noise, the jitter and the rotations; default 0. */
  readonly seed?: number;
  /** Start from this preprocessed `[1,H,W,3]` image (a photo: DeepDream-style) instead of gray + noise. */
  readonly init?: FloatTensor;
  /**
   * Jitter (tf-keras-vis' `Jitter`, Lucid's `jitter`): before each step every image is rolled by a
   * seeded random offset of up to this many pixels in each direction, and its gradient rolled back;
   * patterns come out less noisy. Default 0 (the book's recipe).
   */
  readonly jitter?: number;
  /**
   * Small rotations (tf-keras-vis' `Rotate2D`, Lucid's `random_rotate`): before each step (after the
   * jitter) every image is turned about its centre by a seeded angle uniform in [−rotate, rotate]
   * degrees (bilinear, edges mirrored: see `rotation`), and the gradient is carried back by the
   * sampling's transpose. Default 0.
   */
  readonly rotate?: number;
  /** Total-variation weight (tf-keras-vis' `TotalVariation2D(weight)`): ascend objective − tv·TV(x); default 0. */
  readonly tv?: number;
  /** L2-norm weight (tf-keras-vis' `Norm(weight, p=2)`): ascend objective − l2·‖x‖₂/√n (l2 × the RMS of x); default 0. */
  readonly l2?: number;
  /** Decay (Yosinski et al.'s L2 regularizer): x ← (1 − decay)·x after each step; default 0. */
  readonly decay?: number;
  /**
   * Octaves (Keras' DeepDream example, Lucid): `steps` steps at each of `octaves` sizes, the last the
   * model's own and each earlier one `octaveScale` times smaller, the image enlarged (bilinear) in
   * between. Default 1 (one size). More than 1 needs `modelAt`.
   */
  readonly octaves?: number;
  /** Size ratio between octaves; default 1.4 (Keras' DeepDream example). */
  readonly octaveScale?: number;
  /**
   * A session with the same weights at another input size (the engine's sessions have one), for the
   * octaves before the last; `maximize` closes each after its octave.
   * @example (size) => loadVgg({ ...config, inputSize: size })
   */
  readonly modelAt?: (size: readonly [number, number]) => Promise<MaximizeModel & Pick<Vgg, 'close'>>;
  /** Targets per gradient pass (each its own image in one batch); default 16. */
  readonly batch?: number;
  /**
   * After every step: the step (1 … octaves·steps), the objective of each target in the batch (before
   * that step) and how many targets of this octave were done before this batch.
   */
  readonly onStep?: (step: number, values: readonly number[], done: number) => void;
}

export interface MaximizeResult {
  /** The final input of each target, `[1,H,W,3]` in the preprocessed (caffe BGR) space. */
  readonly inputs: FloatTensor[];
  /**
   * Per target: the objective (the activation or class score, as the model saw the image at that
   * step: jittered and rotated, if asked) before each step and once more at the end, unmodified
   * (`octaves·steps + 1` values).
   */
  readonly history: number[][];
  /** The same points with the regularizers subtracted: history − tv·TV(x) − l2·‖x‖₂/√n (= history without them). */
  readonly regularized: number[][];
  /** The input size of each octave, the last the model's. */
  readonly sizes: [number, number][];
}

/**
 * The patterns a filter or a class responds to, by gradient ascent on the model's input with the
 * Keras book's VGG16 recipe (*Deep Learning with Python* §5.4.2): start from 128 + 20·U(0,1) (a
 * noisy gray image fed to the model as it is), then `steps` times x += step · g / (√mean(g²) + 1e-5),
 * g = ∂mean(activation of filter f)/∂x. Targets run `batch` at a time, one image each. Jitter,
 * rotation, the TV and L2 regularizers and octaves are tf-keras-vis', Lucid's and DeepDream's additions.
 * @example (await maximize(vgg, { kind: 'filter', layer: 'block3_conv1', filters: [0, 1] })).inputs.length // 2
 */
export async function maximize(
  vgg: MaximizeModel,
  target: MaximizeTarget,
  options: MaximizeOptions = {},
): Promise<MaximizeResult> {
  const o = checkOptions(options);
  const indices = target.kind === 'filter' ? target.filters : target.classes;
  if (indices.length === 0) throw new VggError('E_USAGE', 'maximize: no filter or class to maximize');
  const [h, w] = vgg.graph.inputSize;
  const sizes = octaveSizes([h, w], o.octaves, o.octaveScale);
  if (sizes.length > 1 && !options.modelAt)
    throw new VggError(
      'E_USAGE',
      'maximize: octaves > 1 needs modelAt, a session at each octave size: (size) => loadVgg({ ...config, inputSize: size })',
    );
  const size = h * w * 3;
  if (options.init && options.init.data.length !== size)
    throw new VggError(
      'E_INPUT_SHAPE',
      `maximize: the start image must be [1, ${h}, ${w}, 3], got [${options.init.shape.join(', ')}]`,
    );
  const seed = options.seed ?? 0;
  // One stream per target and purpose, apart from the start images': the same bytes in any batching,
  // and turning one option on does not change what another draws.
  const stream = (salt: number) => indices.map((_, t) => seededUniform(((seed ^ salt) + t * 0x85ebca6b) >>> 0));
  const shifts = stream(0x9e3779b9);
  const angles = stream(0x7f4a7c15);
  const uniform = seededUniform(seed);
  // One start image per target, drawn in target order at the model's size, then shrunk to the first octave.
  let images: Float32Array[] = indices.map(
    () => options.init?.data.slice() ?? Float32Array.from({ length: size }, () => 128 + 20 * uniform()),
  );
  const shrink = sizes.length > 1 ? resizing([h, w], sizes[0]!) : undefined;
  if (shrink) images = images.map((x) => sample(shrink, x));
  const history: number[][] = indices.map(() => []);
  const regularized: number[][] = indices.map(() => []);
  for (const [k, octave] of sizes.entries()) {
    const last = k === sizes.length - 1;
    const session = last ? undefined : await options.modelAt!(octave);
    const model = session ?? vgg;
    try {
      const [mh, mw] = model.graph.inputSize;
      if (mh !== octave[0] || mw !== octave[1])
        throw new VggError('E_USAGE', `maximize: modelAt([${octave}]) gave a session of input size [${mh}, ${mw}]`);
      for (let b0 = 0; b0 < indices.length; b0 += o.batch) {
        const chunk = indices.slice(b0, b0 + o.batch);
        const objective: GradientObjective =
          target.kind === 'filter'
            ? { kind: 'filter', layer: target.layer, filter: chunk }
            : { kind: 'class', class: chunk };
        const run = { ...o, octave, measureLast: last, stepBase: k * o.steps, shifts, angles, history, regularized };
        await ascendChunk(model, objective, images, b0, chunk.length, run, options.onStep);
      }
    } finally {
      await session?.close();
    }
    if (!last) {
      const enlarge = resizing(octave, sizes[k + 1]!);
      images = images.map((x) => sample(enlarge, x));
    }
  }
  const inputs = images.map((data) => ({ data, shape: [1, h, w, 3] }));
  return { inputs, history, regularized, sizes };
}

type Checked = ReturnType<typeof checkOptions>;

function checkOptions(options: MaximizeOptions) {
  const steps = options.steps ?? 40;
  if (!Number.isInteger(steps) || steps < 1)
    throw new VggError('E_USAGE', `maximize: steps must be a whole number ≥ 1, got ${steps}`, { hint: '--steps 40' });
  const step = options.step ?? 1;
  if (!(step > 0 && Number.isFinite(step))) throw new VggError('E_USAGE', `maximize: step must be > 0, got ${step}`);
  const jitter = options.jitter ?? 0;
  if (!Number.isInteger(jitter) || jitter < 0)
    throw new VggError('E_USAGE', `maximize: jitter must be a whole number of pixels ≥ 0, got ${jitter}`);
  const decay = options.decay ?? 0;
  if (!(decay >= 0 && decay < 1)) throw new VggError('E_USAGE', `maximize: decay must be in [0, 1), got ${decay}`);
  const rotate = options.rotate ?? 0;
  if (!(rotate >= 0 && rotate <= 180))
    throw new VggError(
      'E_USAGE',
      `maximize: rotate must be an angle in degrees from 0 to 180 (a few is usual), got ${rotate}`,
    );
  const tv = options.tv ?? 0;
  const l2 = options.l2 ?? 0;
  for (const [name, v] of [
    ['tv', tv],
    ['l2', l2],
  ] as const)
    if (!(v >= 0 && Number.isFinite(v)))
      throw new VggError('E_USAGE', `maximize: ${name} must be a weight ≥ 0 (0 turns it off), got ${v}`);
  const octaves = options.octaves ?? 1;
  if (!Number.isInteger(octaves) || octaves < 1 || octaves > 16)
    throw new VggError('E_USAGE', `maximize: octaves must be a whole number from 1 to 16, got ${octaves}`);
  const octaveScale = options.octaveScale ?? 1.4;
  if (!(octaveScale > 1 && octaveScale <= 4))
    throw new VggError(
      'E_USAGE',
      `maximize: octaveScale must be > 1 and ≤ 4 (Keras' DeepDream uses 1.4), got ${octaveScale}`,
    );
  return { steps, step, jitter, decay, rotate, tv, l2, octaves, octaveScale, batch: Math.max(1, options.batch ?? 16) };
}

/**
 * The input sizes of `octaves` octaves ending at `size`, each `scale` times smaller than the next
 * (Keras' DeepDream: ⌊side / scale^i⌋); a size below the model's minimum is a usage error.
 * @example octaveSizes([150, 150], 3, 1.4) // [[76, 76], [107, 107], [150, 150]]
 */
export function octaveSizes(size: readonly [number, number], octaves: number, scale: number): [number, number][] {
  const sizes = Array.from({ length: octaves }, (_, i): [number, number] => {
    const f = scale ** (octaves - 1 - i);
    return [Math.floor(size[0] / f), Math.floor(size[1] / f)];
  });
  const [sh, sw] = sizes[0]!;
  if (Math.min(sh, sw) < MIN_INPUT_SIDE)
    throw new VggError(
      'E_USAGE',
      `maximize: ${octaves} octaves at scale ${scale} make the first one ${sw}×${sh}, below the model's minimum ` +
        `${MIN_INPUT_SIDE}×${MIN_INPUT_SIDE}; use fewer octaves, a smaller octave scale or a larger size`,
    );
  return sizes;
}

interface ChunkRun extends Checked {
  readonly octave: readonly [number, number];
  /** Measure the objective once more after the last step (the last octave). */
  readonly measureLast: boolean;
  readonly stepBase: number;
  readonly shifts: (() => number)[];
  readonly angles: (() => number)[];
  readonly history: number[][];
  readonly regularized: number[][];
}

/** `steps` ascent steps on images[b0 … b0 + count), in place, recording the objectives. */
async function ascendChunk(
  model: MaximizeModel,
  objective: GradientObjective,
  images: Float32Array[],
  b0: number,
  count: number,
  run: ChunkRun,
  onStep: MaximizeOptions['onStep'],
): Promise<void> {
  const [h, w] = run.octave;
  const size = h * w * 3;
  const targets = Array.from({ length: count }, (_, i) => b0 + i);
  for (let s = 0; s <= run.steps; s++) {
    const measure = s === run.steps; // the last pass only measures the final objective, unmodified
    if (measure && !run.measureLast) break;
    const views = targets.map((t) => {
      const dy = measure || run.jitter === 0 ? 0 : pick(run.shifts[t]!, run.jitter);
      const dx = measure || run.jitter === 0 ? 0 : pick(run.shifts[t]!, run.jitter);
      const turn = measure || run.rotate === 0 ? undefined : rotation([h, w], (2 * run.angles[t]!() - 1) * run.rotate);
      return { dy, dx, turn };
    });
    const seen = new Float32Array(count * size);
    targets.forEach((t, i) => {
      const { dy, dx, turn } = views[i]!;
      const rolled = dy === 0 && dx === 0 ? images[t]! : roll(images[t]!, h, w, dy, dx, 1);
      seen.set(turn ? sample(turn, rolled) : rolled, i * size);
    });
    const r = await model.gradient({ data: seen, shape: [count, h, w, 3] }, objective);
    targets.forEach((t, i) => {
      const reg = run.tv > 0 || run.l2 > 0 ? penalty(images[t]!, h, w, run) : undefined;
      run.history[t]!.push(r.value[i]!);
      run.regularized[t]!.push(r.value[i]! - (reg?.value ?? 0));
      if (measure) return;
      const { dy, dx, turn } = views[i]!;
      let g = r.gradient.data.subarray(i * size, (i + 1) * size);
      if (turn) g = sampleAdjoint(turn, g);
      if (dy !== 0 || dx !== 0) g = roll(g, h, w, dy, dx, -1);
      if (reg) {
        const total = new Float32Array(size);
        for (let k = 0; k < size; k++) total[k] = g[k]! - reg.gradient[k]!;
        g = total;
      }
      const x = images[t]!;
      ascend(x, g, run.step);
      if (run.decay > 0) for (let k = 0; k < x.length; k++) x[k]! *= 1 - run.decay;
    });
    if (!measure) onStep?.(run.stepBase + s + 1, Array.from(r.value), b0);
  }
}

/** A whole number in [−max, max]. */
function pick(uniform: () => number, max: number): number {
  return Math.floor(uniform() * (2 * max + 1)) - max;
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

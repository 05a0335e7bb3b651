// What `vggscope maximize` was asked to do: its flags, parsed and checked before any weights are read.
import { resolve } from 'node:path';
import { buildGraph, findLayer, VggError } from '@vggscope/core';
import { imagenetClass, octaveSizes, type MaximizeTarget } from '@vggscope/explain';
import type { CommandContext } from '../context.js';
import { cliErrors } from '../errors.js';
import { ENGINE_HELP, ENGINE_OPTIONS, parseCommandArgs, parseEngine, parseModel, WEIGHTS_OPTIONS } from '../options.js';
import { exitCodesHelp, RUN } from '../help.js';

export const MAXIMIZE_HELP = `vggscope maximize — the patterns a filter (or a class) responds to, by gradient ascent on the input

Usage:
  ${RUN} maximize [--model vgg16|vgg19] [--weights PATH] [--layer NAME] [--filters 0-63|3|0,5,9]
        [--class INDEX|WNID|LABEL] [--steps 40] [--step 1] [--size 150] [--seed 0] [--init IMAGE]
        [--jitter PX] [--rotate DEG] [--tv WEIGHT] [--l2 WEIGHT] [--decay D]
        [--octaves N] [--octave-scale 1.4] [--batch 16] [--out DIR] [--json]

The Keras book's VGG16 recipe (Deep Learning with Python §5.4.2): start from a gray image with uniform
noise (128 + 20·U(0,1), seeded), then --steps times add --step · g / (√mean(g²) + 1e-5), where g is the
gradient of the mean activation of the filter with respect to the input; shown with the book's
deprocessing (centre, ÷ std, × 0.1, + 0.5, clip, × 255). --filters 0-63 draws the classic 8×8 grid of a
layer in one run (filters batched --batch at a time). --class maximizes a class score before softmax
(needs the with-top weights; 224×224). --init starts from a photo instead of noise (DeepDream-style).

Additions from tf-keras-vis, Lucid and DeepDream, all off by default (the book's recipe):
  --jitter PX         roll the image by a seeded random offset of up to PX pixels before each step
                      (tf-keras-vis' Jitter, Lucid's jitter: less noisy patterns)
  --rotate DEG        turn it about its centre by a seeded random angle in [−DEG, DEG] before each step,
                      bilinear, mirrored at the edges (tf-keras-vis' Rotate2D, which turns up to 1–3°;
                      Lucid's random_rotate); the gradient is turned back by the exact transpose
  --tv WEIGHT         ascend objective − WEIGHT·TV(x), TV the total variation per value
                      (tf-keras-vis' TotalVariation2D, Mahendran & Vedaldi): smoother patterns
  --l2 WEIGHT         ascend objective − WEIGHT·‖x‖₂/√n, the RMS of x (tf-keras-vis' Norm, p = 2)
  --decay D           shrink the image by (1 − D) after each step (Yosinski et al.'s decay)
  --octaves N         --steps steps at each of N sizes, each --octave-scale (default 1.4) times smaller
                      than the next and ending at --size, enlarged (bilinear) in between (Keras'
                      DeepDream example, Lucid): larger structures. Filters only (a class needs 224×224).
A weight's effect depends on the objective's size (layer and weights); tf-keras-vis' defaults (TV 1, a
norm weight of 0.3–1) are a starting point. With --tv or --l2, --json reports the regularized objective
(what the ascent maximizes) beside the activation.

Writes to DIR (default patterns):
  <layer>_<filter>.png, .npy    each pattern as an image, and the final input (1, H, W, 3), preprocessed
  <layer>_grid.png              all of them in one grid (several filters)
  class_<index>.png, .npy       for --class

Engine:
${ENGINE_HELP}

Examples:
  ${RUN} maximize --layer block3_conv1 --filters 0-63          # the book's 8×8 grid
  ${RUN} maximize --layer block5_conv1 --filters 7 --steps 100 --json
  ${RUN} maximize --class 'tabby' --steps 60
  ${RUN} maximize --layer block4_conv2 --filters 12 --init cat.jpg --steps 20
  ${RUN} maximize --layer block4_conv1 --filters 0-15 --jitter 4 --rotate 3 --tv 1 --l2 0.3 --octaves 3

${exitCodesHelp(['input', 'weights', 'output'], {
  usage: 'usage error (unknown layer or filter, --steps 0, a bad --rotate/--tv/--l2/--octaves value)',
  input: 'input error (--init, or a NaN gradient)',
  weights: 'weights error (a class without the top weights)',
})}
`;

export interface MaximizeRun {
  model: string;
  weights?: string;
  offline: boolean;
  target: MaximizeTarget;
  /** File-name prefix: the layer, or 'class'. */
  prefix: string;
  size: [number, number];
  steps: number;
  step: number;
  seed: number;
  batch: number;
  jitter: number;
  rotate: number;
  tv: number;
  l2: number;
  decay: number;
  octaves: number;
  octaveScale: number;
  init?: string;
  outDir: string;
  json: boolean;
  engine: { backend?: string; threads?: number };
}

export function parseMaximize(argv: string[], ctx: CommandContext): MaximizeRun | undefined {
  const { values } = parseCommandArgs('maximize', argv, {
    ...WEIGHTS_OPTIONS,
    ...ENGINE_OPTIONS,
    layer: { type: 'string' },
    filters: { type: 'string' },
    class: { type: 'string' },
    steps: { type: 'string', default: '40' },
    step: { type: 'string', default: '1' },
    size: { type: 'string' },
    seed: { type: 'string', default: '0' },
    init: { type: 'string' },
    batch: { type: 'string', default: '16' },
    jitter: { type: 'string', default: '0' },
    rotate: { type: 'string', default: '0' },
    tv: { type: 'string', default: '0' },
    l2: { type: 'string', default: '0' },
    decay: { type: 'string', default: '0' },
    octaves: { type: 'string', default: '1' },
    'octave-scale': { type: 'string', default: '1.4' },
    out: { type: 'string', default: 'patterns' },
    json: { type: 'boolean', default: false },
  });
  if (values.help) {
    ctx.stdout.write(MAXIMIZE_HELP);
    return undefined;
  }
  const model = parseModel(values.model);
  if (values.class !== undefined && (values.layer !== undefined || values.filters !== undefined))
    throw new VggError('E_USAGE', 'maximize: give --class, or --layer with --filters, not both');
  const step = Number(values.step);
  if (values.step!.trim() === '' || !(step > 0 && step < 1e6))
    throw cliErrors.badValue('--step', 'a number > 0', values.step);
  const side = values.size === undefined ? undefined : cliErrors.wholeNumber('--size', values.size, 32, 1024);
  let target: MaximizeTarget;
  let prefix: string;
  let size: [number, number];
  if (values.class !== undefined) {
    if (side !== undefined && side !== 224)
      throw new VggError('E_USAGE', 'maximize: --class needs the top, which needs 224×224; drop --size');
    target = { kind: 'class', classes: [imagenetClass(values.class).index] };
    prefix = 'class';
    size = [224, 224];
  } else {
    size = [side ?? 150, side ?? 150];
    const graph = buildGraph(model, { inputSize: size });
    const layer = findLayer(graph, values.layer ?? 'block3_conv1');
    if (layer.spec.kind !== 'conv' && layer.spec.kind !== 'pool')
      throw new VggError(
        'E_USAGE',
        `maximize: '${layer.name}' is a ${layer.spec.kind} layer; give a conv or pool layer (block1_conv1 … block5_pool)`,
      );
    target = { kind: 'filter', layer: layer.name, filters: parseFilters(values.filters ?? '0', layer.outputShape[2]!) };
    prefix = layer.name;
  }
  const octaves = cliErrors.wholeNumber('--octaves', values.octaves, 1, 16);
  const octaveScale = parseNumber(
    '--octave-scale',
    values['octave-scale']!,
    'a number > 1 and ≤ 4, e.g. 1.4',
    (v) => v > 1 && v <= 4,
  );
  if (octaves > 1 && target.kind === 'class')
    throw new VggError(
      'E_USAGE',
      'maximize: --octaves needs a filter target; a class score needs the top, which only takes 224×224 (drop --octaves)',
    );
  if (octaves > 1) checkOctaves(size, octaves, octaveScale);
  return {
    model,
    weights: values.weights,
    offline: values.offline!,
    target,
    prefix,
    size,
    steps: cliErrors.wholeNumber('--steps', values.steps, 1, 100_000),
    step,
    seed: cliErrors.wholeNumber('--seed', values.seed, 0, 2 ** 32 - 1),
    batch: cliErrors.wholeNumber('--batch', values.batch, 1, 256),
    jitter: cliErrors.wholeNumber('--jitter', values.jitter, 0, 64),
    rotate: parseNumber(
      '--rotate',
      values.rotate!,
      'an angle in degrees from 0 to 180, e.g. 5',
      (v) => v >= 0 && v <= 180,
    ),
    tv: parseWeight('--tv', values.tv!),
    l2: parseWeight('--l2', values.l2!),
    decay: parseDecay(values.decay!),
    octaves,
    octaveScale,
    init: values.init,
    outDir: resolve(values.out!),
    json: values.json!,
    engine: parseEngine(values),
  };
}

function parseNumber(flag: string, text: string, expected: string, ok: (v: number) => boolean): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || !ok(v)) throw cliErrors.badValue(flag, expected, text);
  return v;
}

const parseWeight = (flag: string, text: string) =>
  parseNumber(flag, text, `a weight ≥ 0 (0 turns it off), e.g. ${flag} 0.1`, (v) => v >= 0 && v <= 1e6);

/** The first octave must still fit the model: say which flag to change, before anything is loaded. */
function checkOctaves(size: [number, number], octaves: number, scale: number): void {
  try {
    octaveSizes(size, octaves, scale);
  } catch (e) {
    const first = size.map((s) => Math.floor(s / scale ** (octaves - 1)));
    throw new VggError(
      'E_USAGE',
      `maximize: --octaves ${octaves} --octave-scale ${scale} make the first octave ${first[1]}×${first[0]}, below the ` +
        `model's minimum 32×32; use fewer --octaves, a smaller --octave-scale or a larger --size`,
      { cause: e },
    );
  }
}

function parseDecay(text: string): number {
  const d = Number(text);
  if (text.trim() === '' || !(d >= 0 && d < 1)) throw cliErrors.badValue('--decay', 'a number in [0, 1)', text);
  return d;
}

/** `0-63`, `3` or `0,5,9` → filter indices, each checked against the layer's channel count. */
export function parseFilters(text: string, channels: number): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw cliErrors.badValue('--filters', 'indices like 0-63, 3 or 0,5,9', text);
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (b < a || b >= channels)
      throw new VggError(
        'E_USAGE',
        `maximize: --filters ${part.trim()} is outside the layer's ${channels} filters (0…${channels - 1})`,
      );
    for (let f = a; f <= b; f++) if (!out.includes(f)) out.push(f);
  }
  return out;
}

import { basename, join, resolve } from 'node:path';
import { buildGraph, findLayer, type RgbImage, VggError } from '@vggscope/core';
import { deprocessImage, imagenetClass, maximize, octaveSizes, type MaximizeTarget } from '@vggscope/explain';
import { loadInput } from '@vggscope/image';
import { encodeNpy, probeWritable, writeFileAtomic } from '@vggscope/io';
import { loadVgg } from '@vggscope/kernels';
import { cellOrigin, createImage, GUTTER_COLOR, gridSize, rgbToRgba, writePng } from '@vggscope/viz';
import type { CommandContext } from '../context.js';
import { cliErrors } from '../errors.js';
import { ENGINE_HELP, ENGINE_OPTIONS, parseCommandArgs, parseEngine, parseModel, WEIGHTS_OPTIONS } from '../options.js';
import { Progress } from '../progress.js';
import { resolveWeightsPath } from '../resolve-weights.js';
import { formatTable } from '../table.js';
import { describeWeights } from '../weights-info.js';
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

interface MaximizeRun {
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

interface PatternRecord {
  filter?: number;
  class?: number;
  png: string;
  npy: string;
  /** The objective (activation or class score) before every step and at the end. */
  objective: number[];
  /** The same minus the --tv and --l2 penalties (what the ascent maximizes); only with --tv or --l2. */
  regularized?: number[];
  /** Why the pattern is the start image, when the objective never moved. */
  note?: string;
}

export async function maximizeCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const run = parseMaximize(argv, ctx);
  if (!run) return 0;
  await probeWritable(run.outDir); // a bad --out fails now, not after minutes of ascent
  const includeTop = run.target.kind === 'class';
  const weights = await resolveWeightsPath(
    { model: run.model, includeTop, path: run.weights, offline: run.offline, quiet: run.json },
    ctx,
  );
  const t0 = performance.now();
  const { records, grid, sizes } = await runMaximize({ ...run, weights }, ctx);
  const seconds = (performance.now() - t0) / 1000;
  if (run.json) {
    const { steps, step, seed, size, jitter, rotate, tv, l2, decay, octaves, octaveScale } = run;
    const out = {
      model: run.model,
      weights: await describeWeights(weights),
      steps,
      step,
      seed,
      size,
      recipe: { jitter, rotate, tv, l2, decay, octaves, octaveScale, octaveSizes: sizes },
      seconds,
      grid,
      results: records,
    };
    ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  // With --tv/--l2 the ascent maximizes the regularized objective: show it too, start → final.
  const regularized = records.some((r) => r.regularized);
  const rows = records.map((r) => [
    r.filter ?? r.class!,
    r.objective[0]!.toPrecision(4),
    r.objective.at(-1)!.toPrecision(4),
    `${(r.objective.at(-1)! / (Math.abs(r.objective[0]!) || 1)).toFixed(1)}×`,
    ...(r.regularized ? [`${r.regularized[0]!.toPrecision(4)} → ${r.regularized.at(-1)!.toPrecision(4)}`] : []),
    r.png,
  ]);
  const header = [run.target.kind, 'start', 'final', 'gain', ...(regularized ? ['regularized'] : []), 'png'];
  ctx.stdout.write(`${formatTable(header, rows)}\n`);
  for (const r of records) if (r.note) ctx.stderr.write(`note: ${run.target.kind} ${r.filter ?? r.class}: ${r.note}\n`);
  ctx.stdout.write(
    `${grid ? `grid: ${grid}\n` : ''}${records.length} pattern(s), ${run.steps} steps${run.octaves > 1 ? ` × ${run.octaves} octaves (${sizes.map(([h, w]) => `${w}×${h}`).join(', ')})` : ''}, ${seconds.toFixed(1)} s\n`,
  );
  return 0;
}

function parseMaximize(argv: string[], ctx: CommandContext): MaximizeRun | undefined {
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

async function runMaximize(run: MaximizeRun & { weights: string }, ctx: CommandContext) {
  const includeTop = run.target.kind === 'class';
  const vgg = await loadVgg({
    model: run.model,
    weights: run.weights,
    includeTop,
    inputSize: run.size,
    layers: [includeTop ? 'predictions' : run.prefix],
    ...run.engine,
  });
  try {
    const init = run.init === undefined ? undefined : await loadInput(run.init, run.size);
    const count = run.target.kind === 'filter' ? run.target.filters.length : 1;
    const bar = new Progress(`maximize ${run.prefix}`, count * run.steps * run.octaves, {
      stream: ctx.stderr,
      quiet: run.json,
      unit: ' steps',
    });
    let stepsDone = 0;
    const r = await maximize(vgg, run.target, {
      ...run,
      init,
      // The engine's sessions have one input size: each earlier octave gets its own, closed after it.
      modelAt: (inputSize) =>
        loadVgg({
          model: run.model,
          weights: run.weights,
          inputSize: [inputSize[0], inputSize[1]],
          layers: [run.prefix],
          ...run.engine,
        }),
      onStep: (_, values) => bar.update((stepsDone += values.length)),
    });
    const ids = run.target.kind === 'filter' ? run.target.filters : run.target.classes;
    const images: RgbImage[] = [];
    const records: PatternRecord[] = [];
    for (const [i, id] of ids.entries()) {
      const base = join(run.outDir, `${run.prefix}_${id}`);
      const img = deprocessImage(r.inputs[i]!);
      images.push(img);
      await writePng(`${base}.png`, rgbToRgba(img));
      await writeFileAtomic(`${base}.npy`, encodeNpy(r.inputs[i]!));
      const objective = r.history[i]!;
      // A filter that is 0 everywhere on the start image has a zero gradient: ascent cannot begin.
      const note = objective.every((v) => v === 0)
        ? 'the objective stayed 0 (the filter never fires from this start; try --init or another --seed)'
        : undefined;
      const regularized = run.tv > 0 || run.l2 > 0 ? r.regularized[i] : undefined;
      records.push({
        [run.target.kind]: id,
        png: `${base}.png`,
        npy: `${base}.npy`,
        objective,
        ...(regularized && { regularized }),
        ...(note && { note }),
      });
    }
    const grid = ids.length > 1 ? await writeGrid(run, ids, images) : undefined;
    return { records, grid, sizes: r.sizes };
  } finally {
    await vgg.close();
  }
}

/** The patterns in a near-square grid (8×8 for 64), in filter order, titled. */
async function writeGrid(run: MaximizeRun, ids: readonly number[], images: readonly RgbImage[]): Promise<string> {
  const cols = Math.ceil(Math.sqrt(ids.length));
  const rows = Math.ceil(ids.length / cols);
  const [h, w] = run.size;
  const gutter = 4;
  const size = gridSize(cols, rows, w, h, gutter);
  const canvas = createImage(size.width, size.height, GUTTER_COLOR);
  images.forEach((img, i) => {
    const [x0, y0] = cellOrigin(i % cols, Math.floor(i / cols), w, h, gutter);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = ((y0 + y) * size.width + x0 + x) * 4;
        canvas.data.set(
          [img.data[(y * w + x) * 3]!, img.data[(y * w + x) * 3 + 1]!, img.data[(y * w + x) * 3 + 2]!, 255],
          o,
        );
      }
    }
  });
  const path = join(run.outDir, `${run.prefix}_grid.png`);
  const range = `${ids[0]}-${ids.at(-1)}`; // the title font has no ellipsis
  await writePng(path, canvas, {
    title: `${run.model} ${run.prefix} filters ${range} (${run.steps} steps${run.octaves > 1 ? ` × ${run.octaves} octaves` : ''}${run.init ? `, from ${basename(run.init)}` : ''})`,
  });
  return path;
}

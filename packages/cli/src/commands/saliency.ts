import { basename, join, resolve } from 'node:path';
import { type GradientObjective, VggError } from '@vggscope/core';
import { saliency, SALIENCY_METHODS, type SaliencyMethod, type SaliencyResult } from '@vggscope/explain';
import { loadInput } from '@vggscope/image';
import { encodeNpy, probeWritable, writeFileAtomic } from '@vggscope/io';
import { loadVgg } from '@vggscope/kernels';
import { type ColormapName, quantile } from '@vggscope/viz';
import { type CommandContext, DEFAULT_IMAGE } from '../context.js';
import { cliErrors } from '../errors.js';
import { listImages } from '../list-images.js';
import {
  ENGINE_HELP,
  ENGINE_OPTIONS,
  many,
  parseCommandArgs,
  parseEngine,
  parseModel,
  WEIGHTS_OPTIONS,
} from '../options.js';
import { Progress } from '../progress.js';
import { resolveWeightsPath } from '../resolve-weights.js';
import { formatTable } from '../table.js';
import { displayImage, type OverlayStyle, uniqueStems, writeOverlay } from './heatmap-files.js';
import { exitCodesHelp, RUN } from '../help.js';

export const SALIENCY_HELP = `vggscope saliency — which input pixels move the class score (gradients through the whole network)

Usage:
  ${RUN} saliency [--model vgg16|vgg19] [--weights PATH] [--image PATH|FOLDER]...
        [--method vanilla|smoothgrad|integrated-gradients|guided] [--class INDEX|WNID|LABEL]
        [--layer NAME --filter N] [--samples 20] [--noise 0.2] [--steps 50] [--seed 0]
        [--colormap jet|viridis] [--alpha 0.5] [--out DIR] [--json] [--offline]

Methods (the map is max over colour channels of |attribution|, as tf-keras-vis' Saliency):
  vanilla               ∂score/∂input (Simonyan et al. 2014), one gradient pass
  smoothgrad            the mean gradient over --samples copies with Gaussian noise of σ = --noise ×
                        (max − min of the input) (Smilkov et al. 2017; tf-keras-vis' smooth_samples,
                        smooth_noise); --seed makes it reproducible byte for byte
  integrated-gradients  (x − black) × the mean gradient at --steps points on the straight path from a
                        black image (Sundararajan et al. 2017); the attributions sum to score(x) − score(black)
  guided                guided backprop: every ReLU passes back only positive gradients (Springenberg et al.)
The score is the class score before softmax (the image's top-1 class by default; needs the with-top
weights). --layer NAME --filter N differentiates that filter's mean activation instead (any weights).

Writes, per image, to DIR (default saliency):
  <stem>_<method>.png           the map over the image (colour bar; scaled to the 99.5th percentile)
  <stem>_<method>.npy           the map, (H, W) at the model's input size
  <stem>_<method>_gradient.npy  the attributions, (1, H, W, 3) in the preprocessed (caffe BGR) space

Engine:
${ENGINE_HELP}

Examples:
  ${RUN} saliency --image cat.jpg                                  # vanilla, top-1 class
  ${RUN} saliency --image cat.jpg --method smoothgrad --samples 50 --class tabby
  ${RUN} saliency --image photos/ --method integrated-gradients --steps 32 --json

${exitCodesHelp(['input', 'weights', 'output'], { input: 'input error (an image, or a gradient that is NaN)' })}
`;

export interface SaliencyRecord {
  image: string;
  method: SaliencyMethod;
  class?: { index: number; wnid: string; label: string };
  probability?: number;
  /** The objective at the image (class score before softmax, or the filter's mean). */
  score: number;
  png: string;
  npy: string;
  gradientNpy: string;
  passes: number;
  ms: number;
}

interface SaliencyRun {
  model: string;
  weights?: string;
  images: string[];
  method: SaliencyMethod;
  objective?: GradientObjective;
  layer?: string;
  options: { class?: string; samples: number; noise: number; steps: number; seed: number };
  style: OverlayStyle;
  outDir: string;
  json: boolean;
  offline: boolean;
  engine: { backend?: string; threads?: number };
}

export async function saliencyCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const run = await parseSaliency(argv, ctx);
  if (!run) return 0;
  await probeWritable(run.outDir); // a bad --out fails now, not after the weights load
  const records = await runSaliency(run, ctx);
  ctx.stdout.write(
    run.json
      ? `${JSON.stringify({ model: run.model, weights: run.weights, results: records }, null, 2)}\n`
      : `${renderTable(records)}\n`,
  );
  return 0;
}

async function parseSaliency(argv: string[], ctx: CommandContext): Promise<SaliencyRun | undefined> {
  const { values } = parseCommandArgs('saliency', argv, {
    ...WEIGHTS_OPTIONS,
    ...ENGINE_OPTIONS,
    image: { type: 'string', multiple: true },
    method: { type: 'string', default: 'vanilla' },
    class: { type: 'string' },
    layer: { type: 'string' },
    filter: { type: 'string' },
    samples: { type: 'string', default: '20' },
    noise: { type: 'string', default: '0.2' },
    steps: { type: 'string', default: '50' },
    seed: { type: 'string', default: '0' },
    colormap: { type: 'string', default: 'jet' },
    alpha: { type: 'string', default: '0.5' },
    out: { type: 'string', default: 'saliency' },
    json: { type: 'boolean', default: false },
  });
  if (values.help) {
    ctx.stdout.write(SALIENCY_HELP);
    return undefined;
  }
  const method = values.method as SaliencyMethod;
  if (!SALIENCY_METHODS.includes(method)) throw cliErrors.badValue('--method', SALIENCY_METHODS.join(', '), method);
  const colormap = values.colormap as ColormapName;
  if (colormap !== 'jet' && colormap !== 'viridis') throw cliErrors.badValue('--colormap', 'jet or viridis', colormap);
  const alpha = Number(values.alpha);
  if (values.alpha!.trim() === '' || !(alpha >= 0 && alpha <= 1))
    throw cliErrors.badValue('--alpha', 'a number from 0 to 1', values.alpha);
  const noise = Number(values.noise);
  if (values.noise!.trim() === '' || !(noise >= 0 && noise <= 10))
    throw cliErrors.badValue('--noise', 'a number from 0 to 10 (a fraction of the input range)', values.noise);
  if ((values.layer === undefined) !== (values.filter === undefined))
    throw new VggError(
      'E_USAGE',
      'saliency: --layer and --filter go together (a filter objective), or neither (a class score)',
    );
  if (values.layer !== undefined && values.class !== undefined)
    throw new VggError('E_USAGE', 'saliency: give --class (a class score) or --layer/--filter (a filter), not both');
  const objective: GradientObjective | undefined =
    values.layer === undefined
      ? undefined
      : { kind: 'filter', layer: values.layer, filter: cliErrors.wholeNumber('--filter', values.filter, 0) };
  const images = await listImages(many(values.image).length ? many(values.image) : [DEFAULT_IMAGE]);
  if (images.length === 0)
    throw new VggError('E_IMAGE_READ', `saliency: no images found in ${many(values.image).join(', ')}`);
  return {
    model: parseModel(values.model),
    weights: values.weights,
    images,
    method,
    objective,
    layer: values.layer,
    options: {
      class: values.class,
      samples: cliErrors.wholeNumber('--samples', values.samples, 1, 10_000),
      noise,
      steps: cliErrors.wholeNumber('--steps', values.steps, 1, 10_000),
      seed: cliErrors.wholeNumber('--seed', values.seed, 0, 2 ** 32 - 1),
    },
    style: { colormap, alpha },
    outDir: resolve(values.out!),
    json: values.json!,
    offline: values.offline!,
    engine: parseEngine(values),
  };
}

async function runSaliency(run: SaliencyRun, ctx: CommandContext): Promise<SaliencyRecord[]> {
  const includeTop = run.objective === undefined;
  run.weights = await resolveWeightsPath(
    { model: run.model, includeTop, path: run.weights, offline: run.offline, quiet: run.json },
    ctx,
  );
  const vgg = await loadVgg({
    model: run.model,
    weights: run.weights,
    includeTop,
    layers: [includeTop ? 'predictions' : run.layer!],
    ...run.engine,
  });
  const records: SaliencyRecord[] = [];
  try {
    const stems = uniqueStems(run.images);
    for (const [i, image] of run.images.entries()) {
      const bar = new Progress(`${run.method} ${basename(image)}`, undefined, {
        stream: ctx.stderr,
        quiet: run.json || run.method === 'vanilla' || run.method === 'guided',
        unit: ' passes',
      });
      const t0 = performance.now();
      const x = await loadInput(image, vgg.graph.inputSize);
      const r = await saliency(vgg, x, {
        method: run.method,
        objective: run.objective,
        ...run.options,
        onProgress: (d, n) => bar.update(d, n),
      });
      records.push(await writeSaliency(r, image, run, stems[i]!, performance.now() - t0));
    }
  } finally {
    await vgg.close();
  }
  return records;
}

/** The PNG overlay and the two .npy files of one image (each written atomically). */
async function writeSaliency(
  r: SaliencyResult,
  image: string,
  run: SaliencyRun,
  stem: string,
  ms: number,
): Promise<SaliencyRecord> {
  const base = join(run.outDir, `${stem}_${r.method}`);
  const what = r.class
    ? `${r.class.label} (${r.class.index}) p=${r.probability!.toFixed(3)}`
    : `${run.layer} filter ${(run.objective as { filter: number }).filter}`;
  const top = quantile(r.map.data, 0.995);
  await writeOverlay(`${base}.png`, await displayImage(image), r.map, {
    ...run.style,
    max: top,
    highLabel: top > 0 ? `${top.toPrecision(3)}+` : '0',
    title: `${run.model} saliency (${r.method}): ${what} - ${basename(image)}`,
  });
  await writeFileAtomic(`${base}.npy`, encodeNpy(r.map));
  await writeFileAtomic(`${base}_gradient.npy`, encodeNpy(r.gradient));
  return {
    image,
    method: r.method,
    ...(r.class && { class: { ...r.class }, probability: r.probability }),
    score: r.score,
    png: `${base}.png`,
    npy: `${base}.npy`,
    gradientNpy: `${base}_gradient.npy`,
    passes: r.passes,
    ms,
  };
}

function renderTable(records: SaliencyRecord[]): string {
  const rows = records.map((r) => [
    basename(r.image),
    r.method,
    r.class ? `${r.class.index} ${r.class.label}` : '-',
    r.score.toPrecision(4),
    r.passes,
    `${(r.ms / 1000).toFixed(1)} s`,
    r.png,
  ]);
  return formatTable(['image', 'method', 'class', 'score', 'passes', 'time', 'png'], rows);
}

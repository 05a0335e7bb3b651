import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildGraph, upsampleBilinear, type Vgg, VggError } from '@vggscope/core';
import {
  type ClassHeatmap,
  gradCam,
  lastConvLayer,
  readTopWeights,
  scoreCam,
  type ScoreCamModel,
  type TopWeights,
} from '@vggscope/explain';
import { loadInput } from '@vggscope/image';
import { encodeNpy, writeFileAtomic } from '@vggscope/io';
import { loadManifest, manifestEntry } from '@vggscope/weights';
import { loadVgg } from '@vggscope/kernels';
import type { VggPool } from '@vggscope/kernels/pool';
import type { ColormapName } from '@vggscope/viz';
import { displayImage, uniqueStems, writeOverlay } from './heatmap-files.js';

// report.ts imports these from here (kept so its file need not change).
export { displayImage, uniqueStems };
import { type CommandContext, DEFAULT_IMAGE } from '../context.js';
import { cliErrors } from '../errors.js';
import {
  ENGINE_HELP,
  ENGINE_OPTIONS,
  many,
  parseEngine,
  parseModel,
  usageErrors,
  WEIGHTS_OPTIONS,
} from '../options.js';
import { Progress } from '../progress.js';
import { resolveWeightsPath } from '../resolve-weights.js';
import { formatTable } from '../table.js';

export const CAM_HELP = `vggscope cam — class heatmaps: where in the image the model found its class (Grad-CAM, Score-CAM)

Usage:
  npx nx run cli:cam -- [--model vgg16|vgg19] [--weights PATH] [--image PATH]... [--method grad|score|both]
        [--class INDEX|WNID|LABEL] [--layer NAME|INDEX] [--max-n N] [--batch 8] [--workers N]
        [--colormap jet|viridis] [--alpha 0.4] [--out DIR] [--json] [--offline]

Grad-CAM (default): the gradient of the class score (before softmax) with respect to the last conv layer
(VGG16 block5_conv3, VGG19 block5_conv4), averaged per channel, weights the channels; heatmap =
ReLU(Σ α·A). One forward pass; the backward pass (max pool → fc1 → fc2 → predictions) is exact.
Score-CAM: each channel of --layer (any conv layer; default the last) is upsampled, normalised to 0..1,
multiplied into the input and scored by the model; the class probabilities weight the channels.
One forward pass per channel (512 for block5_conv3): --max-n N keeps the N channels of highest variance;
--workers N spreads them over N worker threads (one per core; each loads the with-top weights, 528 MiB).
The class defaults to each image's top-1 prediction. Needs the with-top weights (224×224 input).

Writes, per image and method, to DIR (default cam):
  <stem>_<method>.png            the heatmap over the image (bilinear, jet or viridis, --alpha), colour bar,
                                 class label and probability in the title (longest side at most 1024 px)
  <stem>_<method>.npy            the heatmap at the layer's resolution, e.g. (14, 14), not normalised
  <stem>_<method>_upsampled.npy  the same, upsampled to the PNG's size

Engine:
${ENGINE_HELP}

Examples:
  npx nx run cli:cam -- --image cat.jpg                               # Grad-CAM of the top-1 class
  npx nx run cli:cam -- --image cat.jpg --class tabby --method both --max-n 64
  npx nx run cli:cam -- --model vgg19 --image a.jpg --image b.jpg --colormap viridis --json

Exit codes: 0 ok, 2 usage error, 3 image error, 4 weights error.
`;

export interface CamRecord {
  image: string;
  method: 'grad-cam' | 'score-cam';
  layer: string;
  class: { index: number; wnid: string; label: string };
  probability: number;
  png: string;
  pngSize: [number, number];
  npy: string;
  npyUpsampled: string;
  /** Forward passes the heatmap cost (Score-CAM). */
  passes: number;
  ms: number;
}

export async function camCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = usageErrors('cam', () =>
    parseArgs({
      args: argv,
      strict: true,
      options: {
        ...WEIGHTS_OPTIONS,
        ...ENGINE_OPTIONS,
        image: { type: 'string', multiple: true },
        method: { type: 'string', default: 'grad' },
        class: { type: 'string' },
        layer: { type: 'string' },
        'max-n': { type: 'string' },
        workers: { type: 'string' },
        batch: { type: 'string', default: '8' },
        colormap: { type: 'string', default: 'jet' },
        alpha: { type: 'string', default: '0.4' },
        out: { type: 'string', default: 'cam' },
        json: { type: 'boolean', default: false },
      },
    }),
  );
  if (values.help) {
    ctx.stdout.write(CAM_HELP);
    return 0;
  }
  const model = parseModel(values.model);
  const method = values.method!;
  if (!['grad', 'score', 'both'].includes(method)) throw cliErrors.badValue('--method', 'grad, score or both', method);
  const colormap = values.colormap as ColormapName;
  if (colormap !== 'jet' && colormap !== 'viridis')
    throw cliErrors.badValue('--colormap', 'jet or viridis', values.colormap);
  const alpha = Number(values.alpha);
  if (values.alpha!.trim() === '' || !(alpha >= 0 && alpha <= 1))
    throw cliErrors.badValue('--alpha', 'a number from 0 to 1', values.alpha);
  const maxN = values['max-n'] === undefined ? undefined : cliErrors.wholeNumber('--max-n', values['max-n'], 1);
  const batchSize = cliErrors.wholeNumber('--batch', values.batch, 1, 256);
  const workers = values.workers === undefined ? undefined : cliErrors.wholeNumber('--workers', values.workers, 1, 64);
  if (values.layer !== undefined && method === 'grad')
    throw new VggError(
      'E_USAGE',
      'cam: --layer is for Score-CAM (--method score|both); Grad-CAM always uses the last conv layer',
    );
  const images = many(values.image);
  if (images.length === 0) images.push(DEFAULT_IMAGE);

  const weights = await resolveWeightsPath(
    { model, includeTop: true, path: values.weights, offline: values.offline, quiet: values.json },
    ctx,
  );
  const cams = await openCams({
    model,
    weights,
    methods: method === 'both' ? ['grad', 'score'] : [method as 'grad' | 'score'],
    scoreLayer: values.layer,
    workers,
    ...parseEngine(values),
  });
  const records: CamRecord[] = [];
  try {
    const stems = uniqueStems(images);
    for (const [i, image] of images.entries()) {
      for (const m of cams.methods) {
        const bar = new Progress(`score-cam ${basename(image)}`, undefined, {
          stream: ctx.stderr,
          quiet: values.json,
          unit: ' maps',
        });
        const t0 = performance.now();
        const cam = await cams.run(m, image, {
          class: values.class,
          maxN,
          batchSize,
          onProgress: (d, n) => bar.update(d, n),
        });
        records.push(
          await writeCam(cam, image, resolve(values.out!), model, {
            colormap,
            alpha,
            ms: performance.now() - t0,
            stem: stems[i],
          }),
        );
      }
    }
  } finally {
    await cams.close();
  }
  if (values.json) {
    ctx.stdout.write(`${JSON.stringify({ model, weights, results: records }, null, 2)}\n`);
    return 0;
  }
  const rows = records.map((r) => [
    basename(r.image),
    r.method,
    r.layer,
    `${r.class.index} ${r.class.label}`,
    `${(r.probability * 100).toFixed(2)}%`,
    r.passes,
    `${(r.ms / 1000).toFixed(1)} s`,
    r.png,
  ]);
  ctx.stdout.write(`${formatTable(['image', 'method', 'layer', 'class', 'p', 'passes', 'time', 'png'], rows)}\n`);
  return 0;
}

export interface CamSession {
  readonly vgg: Vgg;
  readonly methods: readonly ('grad' | 'score')[];
  run(
    method: 'grad' | 'score',
    image: string,
    options: { class?: string; maxN?: number; batchSize?: number; onProgress?: (done: number, total: number) => void },
  ): Promise<ClassHeatmap & { passes: number }>;
  close(): Promise<void>;
}

/**
 * One session for both methods: Grad-CAM needs the convs in the engine and the top as plain
 * arrays (its backward pass); Score-CAM needs the whole model in the engine.
 */
export async function openCams(o: {
  model: string;
  weights: string;
  methods: readonly ('grad' | 'score')[];
  scoreLayer?: string;
  backend?: string;
  threads?: number;
  /** Score-CAM's masked images go through a pool of this many workers (each loads the whole model). */
  workers?: number;
}): Promise<CamSession> {
  const score = o.methods.includes('score');
  const graph = buildGraph(o.model, { includeTop: true });
  const last = lastConvLayer(graph);
  const layers = score ? [o.scoreLayer ?? last, last, 'predictions'] : [last];
  const vgg = await loadVgg({
    model: o.model,
    weights: o.weights,
    includeTop: true,
    layers,
    backend: o.backend,
    threads: o.threads,
  });
  let top: TopWeights | undefined;
  let pool: VggPool | undefined;
  try {
    if (o.methods.includes('grad')) top = await readTopWeights(o.weights, graph);
    if (score) assertTopLoaded(vgg, o.weights);
    if (score && o.workers) {
      // tfjs-wasm runs one thread per instance in Node: more cores for Score-CAM means more workers.
      const { VggPool } = await import('@vggscope/kernels/pool');
      pool = await VggPool.create({
        model: o.model,
        weights: o.weights,
        includeTop: true,
        layers: [o.scoreLayer ?? last, 'predictions'],
        backend: o.backend,
        workers: o.workers,
        threads: 1,
      });
    }
  } catch (e) {
    await vgg.close();
    throw e;
  }
  const scorer: ScoreCamModel = pool ? { graph, extract: (x) => pool.runSplit(x) } : vgg;
  return {
    vgg,
    methods: o.methods,
    async run(method, image, options) {
      if (method === 'grad') {
        const [cam] = await gradCam(vgg, await loadInput(image, graph.inputSize), { top: top!, class: options.class });
        return { ...cam!, passes: 1 };
      }
      return scoreCam(scorer, image, {
        layer: o.scoreLayer,
        class: options.class,
        maxN: options.maxN,
        batchSize: options.batchSize,
        onProgress: options.onProgress,
      });
    },
    close: async () => {
      await pool?.destroy();
      await vgg.close();
    },
  };
}

function assertTopLoaded(vgg: Vgg, weights: string): void {
  const missing = ['fc1', 'fc2', 'predictions'].filter((l) => !vgg.weights.layers.includes(l));
  if (!missing.length) return;
  const entry = manifestEntry(loadManifest(), vgg.graph.model, true);
  throw new VggError(
    'E_WEIGHTS_MISSING',
    `class heatmaps need the top weights (${missing.join(', ')}), which '${weights}' does not have (a no-top file?)`,
    {
      hint: `use the official ${entry.name}: run without --weights to fetch it, or 'npx nx run cli:weights -- fetch --model ${vgg.graph.model} --top'`,
    },
  );
}

/** PNG overlay + two .npy files for one heatmap; returns what was written. */
export async function writeCam(
  cam: ClassHeatmap & { passes: number },
  image: string,
  outDir: string,
  model: string,
  o: { colormap: ColormapName; alpha: number; ms: number; stem?: string },
): Promise<CamRecord> {
  const photo = await displayImage(image);
  const stem = `${o.stem ?? basename(image, extname(image))}_${cam.method}`;
  const max = Math.max(0, ...cam.heatmap.data);
  const png = join(outDir, `${stem}.png`);
  const label = `${cam.class.label} (${cam.class.index}, ${cam.class.wnid}) p=${cam.probability.toFixed(3)}`;
  const size = await writeOverlay(png, photo, cam.heatmap, {
    ...o,
    max,
    title: `${model} ${cam.method === 'grad-cam' ? 'Grad-CAM' : 'Score-CAM'} ${cam.layer}: ${label} - ${basename(image)}`,
  });
  const npy = join(outDir, `${stem}.npy`);
  const npyUpsampled = join(outDir, `${stem}_upsampled.npy`);
  await writeFileAtomic(npy, encodeNpy(cam.heatmap));
  await writeFileAtomic(npyUpsampled, encodeNpy(upsampleBilinear(cam.heatmap, photo.height, photo.width)));
  return {
    image,
    method: cam.method,
    layer: cam.layer,
    class: { ...cam.class },
    probability: cam.probability,
    png,
    pngSize: [size.width, size.height],
    npy,
    npyUpsampled,
    passes: cam.passes,
    ms: o.ms,
  };
}

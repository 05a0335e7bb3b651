import { basename, resolve } from 'node:path';
import type { CamMethod } from '@vggscope/explain';
import { probeWritable } from '@vggscope/io';
import { COLORMAP_NAMES } from '@vggscope/viz';
import { type CommandContext, DEFAULT_IMAGE } from '../context.js';
import { cliErrors } from '../errors.js';
import {
  ENGINE_HELP,
  ENGINE_OPTIONS,
  many,
  parseColormap,
  parseCommandArgs,
  parseEngine,
  parseModel,
  WEIGHTS_OPTIONS,
} from '../options.js';
import { Progress } from '../progress.js';
import { resolveWeightsPath } from '../resolve-weights.js';
import { formatTable } from '../table.js';
import { describeWeights } from '../weights-info.js';
import { type CamRecord, FASTER_SCORE_CAM_MAX_N, openCams, writeCam } from './cam-session.js';
import { displayImage, type OverlayStyle, uniqueStems } from './heatmap-files.js';
import { exitCodesHelp, RUN } from '../help.js';

// report.ts imports these from here (kept so its file need not change).
export { displayImage, uniqueStems };
export { openCams, writeCam, type CamRecord, type CamSession } from './cam-session.js';

export const CAM_HELP = `vggscope cam — class heatmaps: where in the image the model found its class

Usage:
  ${RUN} cam [--model vgg16|vgg19] [--weights PATH] [--image PATH]...
        [--method gradcam|gradcam++|layercam|scorecam|faster-scorecam[,…]] [--class INDEX|WNID|LABEL]
        [--layer NAME|INDEX] [--max-n N] [--batch 8] [--workers N]
        [--colormap jet|viridis|gray] [--alpha 0.4] [--out DIR] [--json] [--offline]

Methods (formulas as tf-keras-vis implements them; the heatmap is at --layer's resolution, not normalised):
  gradcam          (default; also 'grad') the class score's gradient (before softmax) at the layer, averaged
                   per channel, weights the channels: ReLU(Σ α·A). One forward + one reverse pass.
  gradcam++        per-pixel weights from the 2nd and 3rd powers of the gradient (Chattopadhay et al.)
  layercam         ReLU(Σ ReLU(gradient)·A) pixel by pixel: sharper at early layers (Jiang et al.)
  scorecam         (also 'score') each channel, upsampled and normalised to 0..1, masks the input; the
                   masked images' class probabilities weight the channels. One forward pass per channel
                   (512 at block5_conv3): --max-n N keeps the N channels of highest variance; --workers N
                   spreads them over N worker threads (each loads the with-top weights, 528 MiB).
  faster-scorecam  Score-CAM on the ${FASTER_SCORE_CAM_MAX_N} channels of highest variance (tf-keras-vis' Faster-ScoreCAM)
  both             gradcam and scorecam. Several methods: comma-separated (gradcam,layercam).
--layer: any conv layer (Keras' last_conv_layer_name); default the last one (VGG16 block5_conv3, VGG19
block5_conv4). The class defaults to each image's top-1 prediction. Needs the with-top weights (224×224).

Writes, per image and method, to DIR (default cam):
  <stem>_<method>.png            the heatmap over the image (bilinear, jet or viridis, --alpha), colour bar,
                                 class label and probability in the title (longest side at most 1024 px)
  <stem>_<method>.npy            the heatmap at the layer's resolution, e.g. (14, 14), not normalised
  <stem>_<method>_upsampled.npy  the same, upsampled to the PNG's size
An all-zero heatmap (e.g. Score-CAM of a class with probability 0) is written and reported with a note.

Engine:
${ENGINE_HELP}

Examples:
  ${RUN} cam --image cat.jpg                                        # Grad-CAM of the top-1 class
  ${RUN} cam --image cat.jpg --method gradcam++,layercam --layer block4_conv3
  ${RUN} cam --image cat.jpg --class tabby --method both --max-n 64
  ${RUN} cam --model vgg19 --image a.jpg --image b.jpg --colormap viridis --json

${exitCodesHelp(['input', 'weights', 'output'])}
`;

const METHOD_NAMES: Record<string, readonly CamMethod[]> = {
  gradcam: ['grad-cam'],
  grad: ['grad-cam'],
  'grad-cam': ['grad-cam'],
  'gradcam++': ['grad-cam++'],
  'grad-cam++': ['grad-cam++'],
  layercam: ['layer-cam'],
  'layer-cam': ['layer-cam'],
  scorecam: ['score-cam'],
  score: ['score-cam'],
  'score-cam': ['score-cam'],
  'faster-scorecam': ['faster-score-cam'],
  'faster-score-cam': ['faster-score-cam'],
  both: ['grad-cam', 'score-cam'],
};

interface CamRun {
  model: string;
  weights?: string;
  offline: boolean;
  images: string[];
  methods: CamMethod[];
  layer?: string;
  options: { class?: string; maxN?: number; batchSize: number };
  workers?: number;
  style: OverlayStyle;
  outDir: string;
  json: boolean;
  engine: { backend?: string; threads?: number };
}

export async function camCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const run = parseCam(argv, ctx);
  if (!run) return 0;
  await probeWritable(run.outDir); // a bad --out fails now, not after the weights load
  const weights = await resolveWeightsPath(
    { model: run.model, includeTop: true, path: run.weights, offline: run.offline, quiet: run.json },
    ctx,
  );
  const records = await runCams({ ...run, weights }, ctx);
  if (run.json) {
    const out = { model: run.model, weights: await describeWeights(weights), results: records };
    ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else ctx.stdout.write(`${renderCams(records)}\n`);
  return 0;
}

function parseCam(argv: string[], ctx: CommandContext): CamRun | undefined {
  const { values } = parseCommandArgs('cam', argv, {
    ...WEIGHTS_OPTIONS,
    ...ENGINE_OPTIONS,
    image: { type: 'string', multiple: true },
    method: { type: 'string', default: 'gradcam' },
    class: { type: 'string' },
    layer: { type: 'string' },
    'max-n': { type: 'string' },
    workers: { type: 'string' },
    batch: { type: 'string', default: '8' },
    colormap: { type: 'string', default: 'jet' },
    alpha: { type: 'string', default: '0.4' },
    out: { type: 'string', default: 'cam' },
    json: { type: 'boolean', default: false },
  });
  if (values.help) {
    ctx.stdout.write(CAM_HELP);
    return undefined;
  }
  const methods = [...new Set(values.method!.split(',').flatMap((m) => methodsOf(m.trim().toLowerCase())))];
  const colormap = parseColormap(values.colormap, COLORMAP_NAMES);
  const alpha = Number(values.alpha);
  if (values.alpha!.trim() === '' || !(alpha >= 0 && alpha <= 1))
    throw cliErrors.badValue('--alpha', 'a number from 0 to 1', values.alpha);
  const images = many(values.image);
  return {
    model: parseModel(values.model),
    weights: values.weights,
    offline: values.offline!,
    images: images.length ? images : [DEFAULT_IMAGE],
    methods,
    layer: values.layer,
    options: {
      class: values.class,
      maxN: values['max-n'] === undefined ? undefined : cliErrors.wholeNumber('--max-n', values['max-n'], 1),
      batchSize: cliErrors.wholeNumber('--batch', values.batch, 1, 256),
    },
    workers: values.workers === undefined ? undefined : cliErrors.wholeNumber('--workers', values.workers, 1, 64),
    style: { colormap, alpha },
    outDir: resolve(values.out!),
    json: values.json!,
    engine: parseEngine(values),
  };
}

function methodsOf(name: string): readonly CamMethod[] {
  const found = METHOD_NAMES[name];
  if (!found)
    throw cliErrors.badValue('--method', 'gradcam, gradcam++, layercam, scorecam, faster-scorecam or both', name);
  return found;
}

async function runCams(run: CamRun & { weights: string }, ctx: CommandContext): Promise<CamRecord[]> {
  const cams = await openCams({ ...run, ...run.engine });
  const records: CamRecord[] = [];
  try {
    const stems = uniqueStems(run.images);
    for (const [i, image] of run.images.entries()) {
      for (const method of run.methods) {
        const bar = new Progress(`${method} ${basename(image)}`, undefined, {
          stream: ctx.stderr,
          quiet: run.json || !method.includes('score'),
          unit: ' maps',
        });
        const t0 = performance.now();
        const cam = await cams.run(method, image, { ...run.options, onProgress: (d, n) => bar.update(d, n) });
        const record = await writeCam(cam, image, run.outDir, run.model, {
          ...run.style,
          ms: performance.now() - t0,
          stem: stems[i]!,
        });
        if (record.note && !run.json) ctx.stderr.write(`note: ${basename(image)} ${method}: ${record.note}\n`);
        records.push(record);
      }
    }
  } finally {
    await cams.close();
  }
  return records;
}

function renderCams(records: readonly CamRecord[]): string {
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
  return formatTable(['image', 'method', 'layer', 'class', 'p', 'passes', 'time', 'png'], rows);
}

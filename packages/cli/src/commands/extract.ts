import { dirname, resolve } from 'node:path';
import { poolingNote } from '../pooling-note.js';
import { cliErrors } from '../errors.js';
import { cleanOutputTemps, outputKeys, probeWritable, saveNpyOutputs } from '@vggscope/io';
import { formatShape, type LayerOutput, type ResolvedVggConfig, resolveVggConfig, VggError } from '@vggscope/core';
import { checkInputFits } from '../input-size.js';
import { outputStats } from '../output-stats.js';
import {
  ENGINE_HELP,
  MODEL_OPTIONS,
  many,
  parseCommandArgs,
  parseEngine,
  parseModel,
  parsePooling,
  parseSize,
  threadsPerWorker,
} from '../options.js';
import { describeWeights, type WeightsInfo, weightsLine } from '../weights-info.js';
import { Progress } from '../progress.js';
import { resolveWeightsPath } from '../resolve-weights.js';
import { formatTable } from '../table.js';
import { DEFAULT_IMAGE, type CommandContext } from '../context.js';
import { IMAGE_OPTIONS, IMAGE_OPTIONS_HELP, parseImageOptions } from '../image-options.js';
import { exitCodesHelp, RUN } from '../help.js';

export const EXTRACT_HELP = `vggscope extract — features of any layer(s), saved as NumPy .npy files

Usage:
  ${RUN} extract [--model vgg16|vgg19] [--weights PATH] [--image PATH]...
        [--layer NAME|INDEX]... [--include-top] [--pooling avg|max] [--size HxW] [--out DIR] [--json]

Writes DIR/<image stem>/<layer>.npy (float32, the shape Keras' model.predict returns for one image)
and prints, per image, each layer's shape, min/mean/max, the time into the pass, and the weights used.
Images go through Keras' load_img (nearest resize, squash) and preprocess_input (caffe).

Folder mode (all cores, through a worker pool; bounded memory):
  ${RUN} extract --images DIR|GLOB... [--recursive] [--layer ...] [--pooling avg] [--workers N]
        [--skip-existing] [--format npy|npz] [--stack]
  Each image keeps its path under the folder the images share: a/x.png and b/x.png write
  DIR/a/x/<layer>.npy and DIR/b/x/<layer>.npy (never one over the other). Writes features.jsonl
  (image → key, files, shapes); --format npz writes one features.npz instead (np.load(...)['a/x/<layer>']).
  --stack writes one [N, …] array per layer in input order instead: features.npy (features_<layer>.npy
  for several layers) and images.txt, or with --format npz one features.npz with each layer and 'images'.
  --skip-existing reuses outputs that are complete and of this run's shape (also from features.npz,
  and the rows of an unfinished --stack). Image paths in features.jsonl and images.txt are relative to
  the folder the images share.
  A bad image is listed and skipped: exit 5. Ctrl-C keeps and indexes what is finished: exit 130.

Options:
  --model      vgg16 (default) or vgg19
  --weights    Keras .h5 (official legacy layout, tf.keras or Keras 3), a tfjs model folder or a packed
               .vggw file; default: the official ImageNet weights (cached, else downloaded once)
  --offline    never download (also VGGSCOPE_OFFLINE=1)
  --image      image file (JPEG, PNG, BMP, GIF, WebP, TIFF: detected from its bytes); repeatable;
               default: the sample cat photo
  --images     folder, file or glob ('photos/*.jpg', 'photos/**/*.png'); repeatable; folder mode
  --recursive  folder mode: include subfolders of --images folders
  --layer      Keras layer name (block4_pool) or index (14); repeatable; default: the model output
  --include-top  add flatten/fc1/fc2/predictions (input must be 224x224)
  --pooling    avg or max: global pooling after block5_pool (no-top model)
  --workers    folder mode: worker threads, 1 to 1024 (default: cores ÷ --threads, one when neither is given; capped at the
               cores and at the images to compute, with a note)
  --size       input HxW for the no-top model (each side >= 32, largest layer within the engine's
               memory: up to 2048x2048 for VGG16/19), default 224x224
  --out        output folder, default ./features
  --json       print the results as JSON instead of tables
${ENGINE_HELP}

${IMAGE_OPTIONS_HELP}

Examples:
  ${RUN} extract --weights vgg16_notop.h5 --image cat.jpg
  ${RUN} extract --weights vgg16_notop.h5 --layer block4_pool --layer block5_pool
  ${RUN} extract --model vgg19 --weights vgg19-tfjs/ --layer 10 --size 300x451
  ${RUN} extract --weights vgg16_notop.h5 --pooling avg --json
  ${RUN} extract --images photos/ --recursive --pooling avg --stack
  ${RUN} extract --images 'photos/**/*.jpg' --layer block4_pool --format npz --skip-existing

${exitCodesHelp(['input', 'weights', 'partial', 'output', 'interrupted'], {
  partial: 'partial (folder mode: some images failed, the rest are done)',
})}
`;

const EXTRACT_OPTIONS = {
  ...MODEL_OPTIONS,
  image: { type: 'string', multiple: true },
  images: { type: 'string', multiple: true },
  recursive: { type: 'boolean', default: false },
  workers: { type: 'string' },
  'skip-existing': { type: 'boolean', default: false },
  format: { type: 'string', default: 'npy' },
  stack: { type: 'boolean', default: false },
  layer: { type: 'string', multiple: true },
  out: { type: 'string', default: 'features' },
  ...IMAGE_OPTIONS,
} as const;

type ExtractValues = ReturnType<typeof parseExtractArgs>;
const parseExtractArgs = (argv: string[]) => parseCommandArgs('extract', argv, EXTRACT_OPTIONS).values;

export async function extractCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const values = parseExtractArgs(argv);
  if (values.help) {
    ctx.stdout.write(EXTRACT_HELP);
    return 0;
  }
  const { folder, format, workers } = checkModeFlags(values);
  const imageOptions = parseImageOptions(values);
  const { config: requested, graph } = resolveExtractConfig(values, folder, workers);
  const note = poolingNote(parsePooling(values.pooling), graph, requested.layers, requested.includeTop);
  if (note && !values.json) ctx.stderr.write(`note: ${note}\n`);
  checkInputFits(graph);
  const outDir = resolve(values.out ?? 'features');
  await probeWritable(outDir); // a bad --out fails now, not after minutes of work
  const weights = await resolveWeightsPath(
    {
      model: parseModel(values.model),
      includeTop: requested.includeTop,
      path: values.weights,
      offline: values.offline,
      quiet: values.json,
    },
    ctx,
  );
  // The one resolved config, with the file the resolver found in place of the request.
  const config = { ...requested, weights };
  const weightsInfo = await describeWeights(weights);
  if (folder) {
    // Loaded for folder mode only: the pool (piscina) and the glob code are not on a one-image run's path.
    const { extractFolder } = await import('./extract-folder.js');
    return extractFolder(
      {
        config,
        graph,
        weightsInfo,
        images: values.images!,
        recursive: values.recursive ?? false,
        outDir,
        workers,
        imageOptions,
        skipExisting: values['skip-existing'] ?? false,
        format,
        stack: values.stack ?? false,
        json: values.json ?? false,
      },
      ctx,
    );
  }
  const images = many(values.image);
  if (images.length === 0) images.push(DEFAULT_IMAGE);
  const results = await extractImages(config, images, outDir, imageOptions, ctx, values.json ?? false);
  if (values.json)
    ctx.stdout.write(
      `${JSON.stringify({ model: parseModel(values.model), weights: weightsInfo, outDir, images: results }, null, 2)}\n`,
    );
  else for (const r of results) ctx.stdout.write(`${renderResult(r, parseModel(values.model), weightsInfo)}\n\n`);
  return 0;
}

/** Folder mode or single images, and the flags that only apply to one of them. */
function checkModeFlags(values: ExtractValues): { folder: boolean; format: 'npy' | 'npz'; workers?: number } {
  const folder = values.images !== undefined;
  if (values.format !== 'npy' && values.format !== 'npz')
    throw cliErrors.badValue('--format', 'npy or npz', values.format);
  for (const flag of ['recursive', 'skip-existing', 'stack', 'workers'] as const) {
    if (!folder && values[flag] !== undefined && values[flag] !== false)
      throw new VggError(
        'E_USAGE',
        `extract: --${flag} applies to folder mode; give the images with --images DIR|GLOB`,
      );
  }
  if (!folder && values.format !== 'npy')
    throw new VggError(
      'E_USAGE',
      'extract: --format npz applies to folder mode; give the images with --images DIR|GLOB',
    );
  if (folder && values.image)
    throw new VggError('E_USAGE', 'extract: give either --image (single images) or --images (folder mode), not both');
  const workers =
    values.workers === undefined ? undefined : cliErrors.wholeNumber('--workers', values.workers, 1, 1024);
  return { folder, format: values.format, workers };
}

/**
 * The model config, resolved once, before weights are looked for: a bad model, size or layer fails
 * before any download. Its `weights` hold the request (the --weights path, or 'official') until
 * the resolver has found the file; `resolveVggConfig` only checks that they are given.
 */
function resolveExtractConfig(values: ExtractValues, folder: boolean, workers: number | undefined) {
  const engine = parseEngine(values);
  return resolveVggConfig({
    model: parseModel(values.model),
    includeTop: values['include-top'] ?? false,
    pooling: parsePooling(values.pooling),
    inputSize: parseSize(values.size),
    layers: many(values.layer),
    ...engine,
    threads: engine.threads ?? (folder ? threadsPerWorker(workers) : undefined),
    weights: values.weights ?? 'official',
  });
}

/** Single images on one engine in this thread, each saved as `<out>/<key>/<layer>.npy`. */
async function extractImages(
  config: ResolvedVggConfig,
  images: readonly string[],
  outDir: string,
  imageOptions: ReturnType<typeof parseImageOptions>,
  ctx: CommandContext,
  json: boolean,
): Promise<ImageResult[]> {
  // Imported here: folder mode runs the engine in workers and keeps it out of this thread.
  const { loadVgg } = await import('@vggscope/kernels');
  const vgg = await loadVgg(config);
  const keys = outputKeys(images, 'suffix');
  const progress = new Progress('extract', images.length, {
    unit: ' img',
    stream: ctx.stderr,
    quiet: json || images.length < 2,
  });
  const results: ImageResult[] = [];
  try {
    for (const [i, image] of images.entries()) {
      const outputs = await vgg.extract(image, { image: imageOptions });
      results.push(await saveOutputs(image, outputs, outDir, keys[i]!));
      progress.update(i + 1);
    }
  } finally {
    await vgg.close();
  }
  return results;
}

interface ImageResult {
  image: string;
  outputs: {
    layer: string;
    index: number;
    shape: number[];
    min: number;
    mean: number;
    max: number;
    ms: number;
    file: string;
  }[];
}

async function saveOutputs(image: string, outputs: LayerOutput[], outDir: string, key: string): Promise<ImageResult> {
  await cleanOutputTemps(outDir, [key]); // temp files a killed run left here
  const stats = outputs.map((o) => outputStats(o, image)); // all checked before any is written
  const saved = await saveNpyOutputs(outDir, key, outputs);
  return {
    image,
    outputs: outputs.map((o, i) => ({
      layer: o.layer,
      index: o.index,
      shape: [...o.shape],
      ...stats[i]!,
      ms: Math.round(o.ms),
      file: saved[i]!.file,
    })),
  };
}

function renderResult(r: ImageResult, model: string, weights: WeightsInfo): string {
  const table = formatTable(
    ['#', 'layer', 'shape', 'min', 'mean', 'max', 'done at'],
    r.outputs.map((o) => [o.index, o.layer, formatShape(o.shape), o.min, o.mean, o.max, `${o.ms} ms`]),
  );
  return `${model} · ${r.image}\n${table}\n${weightsLine(weights)}\nsaved to ${r.outputs[0] ? dirname(r.outputs[0].file) : '(nothing)'}`;
}

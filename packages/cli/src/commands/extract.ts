import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildGraph, encodeNpy, findLayers, formatShape, type LayerOutput, VggError, writeFileAtomic } from '@vggscope/core';
import { outputStats } from '../output-stats.js';
import { MODEL_OPTIONS, many, parseModel, parsePooling, parseSize, usageErrors } from '../options.js';
import { Progress } from '../progress.js';
import { resolveWeightsPath } from '../resolve-weights.js';
import { formatTable } from '../table.js';
import { DEFAULT_IMAGE, type CommandContext } from '../context.js';
import { extractFolder } from './extract-folder.js';

export const EXTRACT_HELP = `vggscope extract — features of any layer(s), saved as NumPy .npy files

Usage:
  npx nx run cli:extract -- [--model vgg16|vgg19] [--weights PATH] [--image PATH]...
        [--layer NAME|INDEX]... [--include-top] [--pooling avg|max] [--size HxW] [--out DIR] [--json]

Writes DIR/<image stem>/<layer>.npy (float32, the shape Keras' model.predict returns for one image)
and prints, per image, each layer's shape, min/mean/max and the time into the pass.
Images go through Keras' load_img (nearest resize, squash) and preprocess_input (caffe).

Folder mode (all cores, through a worker pool; bounded memory):
  npx nx run cli:extract -- --images DIR|GLOB... [--layer ...] [--pooling avg] [--workers N]
        [--skip-existing] [--format npy|npz]
  Writes the same files plus features.jsonl (image → files, shapes); --format npz writes one
  features.npz instead (np.load(...)['<stem>/<layer>']). A bad image is listed and skipped: exit 5.

Options:
  --model      vgg16 (default) or vgg19
  --weights    Keras .h5 (official legacy layout, tf.keras or Keras 3), a tfjs model folder or a packed
               .vggw file; default: the official ImageNet weights (cached, else downloaded once)
  --offline    never download (also VGGSCOPE_OFFLINE=1)
  --image      image file (PNG or JPEG); repeatable; default: the sample cat photo
  --layer      Keras layer name (block4_pool) or index (14); repeatable; default: the model output
  --include-top  add flatten/fc1/fc2/predictions (input must be 224x224)
  --pooling    avg or max: global pooling after block5_pool (no-top model)
  --size       input HxW for the no-top model (each side >= 32), default 224x224
  --out        output folder, default ./features
  --json       print the results as JSON instead of tables

Examples:
  npx nx run cli:extract -- --weights vgg16_notop.h5 --image cat.jpg
  npx nx run cli:extract -- --weights vgg16_notop.h5 --layer block4_pool --layer block5_pool
  npx nx run cli:extract -- --model vgg19 --weights vgg19-tfjs/ --layer 10 --size 300x451
  npx nx run cli:extract -- --weights vgg16_notop.h5 --pooling avg --json
  npx nx run cli:extract -- --images photos/ --pooling avg --workers 2 --format npz
  npx nx run cli:extract -- --images 'photos/*.jpg' --layer block4_pool --skip-existing

Exit codes: 0 ok, 1 internal error, 2 usage error, 3 input (image) error, 4 weights error,
5 partial (folder mode: some images failed, the rest are done).
`;

export async function extractCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = usageErrors('extract', () =>
    parseArgs({
      args: argv,
      strict: true,
      options: {
        ...MODEL_OPTIONS,
        image: { type: 'string', multiple: true },
        images: { type: 'string', multiple: true },
        workers: { type: 'string' },
        'skip-existing': { type: 'boolean', default: false },
        format: { type: 'string', default: 'npy' },
        layer: { type: 'string', multiple: true },
        out: { type: 'string', default: 'features' },
      },
    }),
  );
  if (values.help) {
    ctx.stdout.write(EXTRACT_HELP);
    return 0;
  }
  const model = parseModel(values.model);
  const includeTop = values['include-top'] ?? false;
  const pooling = parsePooling(values.pooling);
  const inputSize = parseSize(values.size);
  const images = many(values.image);
  if (images.length === 0) images.push(DEFAULT_IMAGE);
  const layers = many(values.layer);
  const weights = await resolveWeightsPath({ model, includeTop, path: values.weights, offline: values.offline, quiet: values.json }, ctx);
  if (values.images) {
    if (values.format !== 'npy' && values.format !== 'npz') throw new VggError('E_USAGE', `--format must be npy or npz, got '${values.format}'`);
    const graph = buildGraph(model, { includeTop, pooling, inputSize });
    const layerNames = findLayers(graph, layers.length ? layers : [graph.layers.length - 1]).map((l) => l.name);
    const workers = values.workers === undefined ? undefined : Number(values.workers);
    if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) throw new VggError('E_USAGE', `--workers must be a whole number ≥ 1, got '${values.workers}'`);
    return extractFolder(
      { model, weights, graph: { includeTop, pooling, inputSize }, images: values.images, layers: layerNames, outDir: resolve(values.out ?? 'features'), workers, skipExisting: values['skip-existing'] ?? false, format: values.format, json: values.json ?? false },
      ctx,
    );
  }

  // Imported here: folder mode runs the engine in workers and keeps tfjs out of this thread.
  const { loadVgg } = await import('@vggscope/kernels');
  const vgg = await loadVgg({ model, weights, includeTop, pooling, inputSize, layers: layers.length ? layers : undefined });
  const requested = layers.length ? layers : [vgg.graph.layers.length - 1];
  const outDir = resolve(values.out ?? 'features');
  const progress = new Progress('extract', images.length, { unit: ' img', stream: ctx.stderr, quiet: values.json || images.length < 2 });
  const results: ImageResult[] = [];
  try {
    for (const [i, image] of images.entries()) {
      const outputs = await vgg.extract(image, { layers: requested });
      results.push(await saveOutputs(image, outputs, outDir));
      progress.update(i + 1);
    }
  } finally {
    vgg.dispose();
  }
  if (values.json) ctx.stdout.write(`${JSON.stringify({ model, weights, outDir, images: results }, null, 2)}\n`);
  else for (const r of results) ctx.stdout.write(`${renderResult(r, model)}\n\n`);
  return 0;
}

interface ImageResult {
  image: string;
  outputs: { layer: string; index: number; shape: number[]; min: number; mean: number; max: number; ms: number; file: string }[];
}

async function saveOutputs(image: string, outputs: LayerOutput[], outDir: string): Promise<ImageResult> {
  const stem = basename(image, extname(image));
  const rows: ImageResult['outputs'] = [];
  for (const o of outputs) {
    const s = outputStats(o, image);
    const file = join(outDir, stem, `${o.layer}.npy`);
    await writeFileAtomic(file, encodeNpy(o));
    rows.push({ layer: o.layer, index: o.index, shape: [...o.shape], ...s, ms: Math.round(o.ms), file });
  }
  return { image, outputs: rows };
}

function renderResult(r: ImageResult, model: string): string {
  const table = formatTable(
    ['#', 'layer', 'shape', 'min', 'mean', 'max', 'done at'],
    r.outputs.map((o) => [o.index, o.layer, formatShape(o.shape), o.min, o.mean, o.max, `${o.ms} ms`]),
  );
  return `${model} · ${r.image}\n${table}\nsaved to ${r.outputs[0] ? dirname(r.outputs[0].file) : '(nothing)'}`;
}

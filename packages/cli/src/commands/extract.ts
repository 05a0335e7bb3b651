import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cliErrors } from '../errors.js';
import { encodeNpy, formatShape, type LayerOutput, resolveVggConfig, VggError, writeFileAtomic } from '@vggscope/core';
import { outputStats } from '../output-stats.js';
import { ENGINE_HELP, MODEL_OPTIONS, many, parseEngine, parseModel, parsePooling, parseSize, usageErrors } from '../options.js';
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
  --workers    folder mode: worker threads (default: cores ÷ --threads; capped at the cores)
  --size       input HxW for the no-top model (each side >= 32), default 224x224
  --out        output folder, default ./features
  --json       print the results as JSON instead of tables
${ENGINE_HELP}

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
  const engine = parseEngine(values);
  const images = many(values.image);
  if (images.length === 0) images.push(DEFAULT_IMAGE);
  const layers = many(values.layer);
  if (values.images && values.format !== 'npy' && values.format !== 'npz') throw cliErrors.badValue('--format', 'npy or npz', values.format);
  const workers = values.workers === undefined ? undefined : cliErrors.wholeNumber('--workers', values.workers, 1);
  // Validated once (model, size, layers, threads) before weights are looked for or anything runs.
  const draft = { model, includeTop, pooling, inputSize, layers, ...engine, threads: engine.threads ?? (values.images ? 1 : undefined) };
  resolveVggConfig({ ...draft, weights: 'unresolved' });
  const weights = await resolveWeightsPath({ model, includeTop, path: values.weights, offline: values.offline, quiet: values.json }, ctx);
  const { config } = resolveVggConfig({ ...draft, weights });
  if (values.images) {
    return extractFolder(
      { config: { ...config, weights }, images: values.images, outDir: resolve(values.out ?? 'features'), workers, skipExisting: values['skip-existing'] ?? false, format: values.format as 'npy' | 'npz', json: values.json ?? false },
      ctx,
    );
  }

  // Imported here: folder mode runs the engine in workers and keeps it out of this thread.
  const { loadVgg } = await import('@vggscope/kernels');
  const vgg = await loadVgg(config);
  const outDir = resolve(values.out ?? 'features');
  const progress = new Progress('extract', images.length, { unit: ' img', stream: ctx.stderr, quiet: values.json || images.length < 2 });
  const results: ImageResult[] = [];
  try {
    for (const [i, image] of images.entries()) {
      const outputs = await vgg.extract(image);
      results.push(await saveOutputs(image, outputs, outDir));
      progress.update(i + 1);
    }
  } finally {
    await vgg.close();
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

import { readFile } from 'node:fs/promises';
import type { Dataset, Group } from 'h5wasm/node';
import { platform } from '@vggscope/platform';
import { VggError, sizeOf } from '@vggscope/core';
import type { RawLayer, RawWeight } from '@vggscope/core';

export type KerasH5Layout = 'keras-legacy' | 'keras3';

export interface KerasH5Contents {
  readonly layout: KerasH5Layout;
  /** In file order (the `layer_names` attribute), weightless layers included. */
  readonly layers: readonly RawLayer[];
  readonly bytesRead: number;
}

/** What the parser may read; plain data, so it crosses to the h5 worker unchanged. */
export interface ParseOptions {
  /** Read tensor data only for these layer names (shapes are always read). */
  readonly only?: readonly string[];
  /** The file's size: no dataset may declare more data than the file can hold (Keras never compresses). */
  readonly fileBytes: number;
  /** Upper bound per dataset, whatever the file size. */
  readonly maxDatasetBytes: number;
}

type H5 = typeof import('h5wasm/node').default;

/**
 * h5wasm, loaded on first use (4 MB of JS that callers reading other formats never need), with
 * HDF5's default error handler — which prints its whole error stack on stderr — replaced by one
 * that throws it. Node, Deno and Bun (and bundles for them) get its Node build, which opens files by
 * path; a browser bundle gets its web build, whose files live in its own in-memory file system
 * (see {@link withH5File}).
 */
export async function loadH5wasm(): Promise<H5> {
  // `#h5wasm` (package.json `imports`): the web build under the `browser` condition, the Node build elsewhere.
  const h5wasm = (await import('#h5wasm')).default;
  const module = await h5wasm.ready;
  module.activate_throwing_error_handler();
  heap = () => module.HEAPU8.length;
  memfs = platform.filePaths ? undefined : module.FS;
  return h5wasm;
}

let memfs: H5Module['FS'] | undefined;
type H5Module = Awaited<H5['ready']>;

/**
 * Runs `parse` with `path` openable by h5wasm. With the web build, the file's bytes (read through
 * `node:fs`, which a page's bundle maps onto the files it holds) are copied into h5wasm's in-memory
 * file system at the same path — so every message names the path the caller gave — and removed after.
 */
export async function withH5File<T>(path: string, parse: () => T): Promise<T> {
  if (!memfs) return parse();
  const fs = memfs;
  const bytes = await readFile(path);
  const dir = path.slice(0, path.lastIndexOf('/'));
  if (dir) fs.mkdirTree(dir);
  fs.writeFile(path, bytes);
  try {
    return parse();
  } finally {
    fs.unlink(path);
  }
}

let heap = () => 0;

/** Size of h5wasm's wasm heap in this thread (it grows to the largest tensor read, never shrinks). */
export const h5HeapBytes = (): number => heap();

/**
 * Parses Keras HDF5 weights with h5wasm, in whatever thread calls it (read-keras-h5.ts runs it in a
 * worker with a time budget): the legacy layout of the official VGG files (`layer_names` /
 * `weight_names` attributes, flat `block1_conv1_W_1:0` or nested `conv2d/kernel:0` datasets,
 * optionally under `/model_weights`) and the Keras 3 `.weights.h5` layout (`layers/<key>/vars/<i>`).
 * Dataset paths always come from `weight_names`, never built from layer names. Every dataset's
 * shape, type and size are checked from its metadata before its data is read.
 */
export function parseKerasH5(h5wasm: H5, path: string, options: ParseOptions): KerasH5Contents {
  const file = new h5wasm.File(path, 'r');
  try {
    const ctx: Ctx = { bytes: 0, path, only: options.only ? new Set(options.only) : undefined, options };
    let root: Group = file;
    if (!hasSplitAttr(root, 'layer_names') && root.keys().includes('model_weights')) {
      const mw = root.get('model_weights');
      if (!isGroup(mw)) throw new VggError('E_WEIGHTS_FORMAT', `'${path}': '/model_weights' is not a group`);
      root = mw; // full model.save() file, as Keras' own loader does
    }
    if (hasSplitAttr(root, 'layer_names')) {
      return { layout: 'keras-legacy', layers: readLegacy(root, ctx), bytesRead: ctx.bytes };
    }
    const keys = root.keys();
    const layersKey = keys.includes('layers')
      ? 'layers'
      : keys.includes('_layer_checkpoint_dependencies')
        ? '_layer_checkpoint_dependencies'
        : null;
    if (layersKey) {
      const g = root.get(layersKey);
      if (!isGroup(g)) throw new VggError('E_WEIGHTS_FORMAT', `'${path}': '/${layersKey}' is not a group`);
      return { layout: 'keras3', layers: readKeras3(g, ctx), bytesRead: ctx.bytes };
    }
    throw new VggError(
      'E_WEIGHTS_FORMAT',
      `'${path}' is HDF5 but not Keras weights: no 'layer_names' attribute, '/model_weights' or '/layers' group (top level has: ${keys.slice(0, 20).join(', ') || 'nothing'})`,
    );
  } finally {
    file.close();
  }
}

interface Ctx {
  bytes: number;
  readonly path: string;
  readonly only: ReadonlySet<string> | undefined;
  readonly options: ParseOptions;
}

function isGroup(e: unknown): e is Group {
  return typeof e === 'object' && e !== null && (e as { type?: unknown }).type === 'Group';
}

/** Keras 2 splits attributes over 64 KB into `name0`, `name1`, …; accept both forms. */
function hasSplitAttr(g: Group, name: string): boolean {
  const attrs = Object.keys(g.attrs);
  return attrs.includes(name) || attrs.includes(`${name}0`);
}

function readStringsAttr(g: Group, name: string): string[] {
  const attrs = g.attrs;
  const parts =
    name in attrs
      ? [attrs[name]!]
      : Object.keys(attrs)
          .filter((k) => new RegExp(`^${name}\\d+$`).test(k))
          .sort(byTrailingNumber)
          .map((k) => attrs[k]!);
  const out: string[] = [];
  for (const a of parts) {
    if (a.shape && a.shape.length > 0 && a.shape[0] === 0) continue; // empty float64 array = no weights
    const v = a.value as unknown;
    if (Array.isArray(v)) out.push(...v.map(String));
    else if (typeof v === 'string') out.push(v);
  }
  return out;
}

function byTrailingNumber(a: string, b: string): number {
  return Number(/\d+$/.exec(a)![0]) - Number(/\d+$/.exec(b)![0]);
}

function readLegacy(root: Group, ctx: Ctx): RawLayer[] {
  return readStringsAttr(root, 'layer_names').map((layerName) => {
    const g = root.get(layerName);
    if (!isGroup(g))
      throw new VggError(
        'E_WEIGHTS_FORMAT',
        `'${ctx.path}': layer_names lists '${layerName}' but the file has no such group`,
      );
    const wanted = !ctx.only || ctx.only.has(layerName);
    const weights = readStringsAttr(g, 'weight_names').map((wn) =>
      readDataset(g, wn, wanted, ctx, `${layerName}/${wn}`),
    );
    return { name: layerName, weights };
  });
}

function readKeras3(layersGroup: Group, ctx: Ctx): RawLayer[] {
  return layersGroup.keys().map((key) => {
    const layer = layersGroup.get(key);
    const varsEntry = isGroup(layer) ? layer.get('vars') : null;
    const vars = isGroup(varsEntry) ? varsEntry : null;
    const nameAttr = vars && 'name' in vars.attrs ? String(vars.attrs['name']!.value) : undefined;
    const name = nameAttr ?? key; // Keras < 3.6 wrote no name: the key is the snake_case class name
    const wanted = !ctx.only || ctx.only.has(name) || nameAttr === undefined;
    const indices = vars
      ? vars
          .keys()
          .filter((k) => /^\d+$/.test(k))
          .sort((a, b) => Number(a) - Number(b))
      : [];
    const weights = indices.map((i) => readDataset(vars!, i, wanted, ctx, `layers/${key}/vars/${i}`));
    return { name, weights, positional: nameAttr === undefined };
  });
}

const MAX_RANK = 8;

function readDataset(g: Group, datasetPath: string, wanted: boolean, ctx: Ctx, label: string): RawWeight {
  const { path } = ctx;
  const ds = g.get(datasetPath) as Dataset | null;
  if (!ds || ds.type !== 'Dataset') {
    throw new VggError(
      'E_WEIGHTS_FORMAT',
      `'${path}': weight '${label}' is listed in weight_names but missing from the file`,
    );
  }
  // Everything below comes from the dataset's metadata alone: nothing is read or allocated for a
  // dataset until its shape, element type and size are known to be sane.
  const meta = ds.metadata;
  const shape = meta.shape ?? [];
  if (shape.length > MAX_RANK || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new VggError(
      'E_WEIGHTS_FORMAT',
      `'${path}': weight '${label}' has an impossible shape (${shape.join(', ')})`,
    );
  }
  if (!wanted) return { name: datasetPath, shape };
  const H5T_FLOAT = 1;
  if (meta.type !== H5T_FLOAT || (meta.size !== 4 && meta.size !== 8) || meta.vlen) {
    throw new VggError(
      'E_WEIGHTS_FORMAT',
      `'${path}': weight '${label}' has dtype ${String(ds.dtype)}; only float32/float64 are supported`,
    );
  }
  const elements = sizeOf(shape);
  const declared = elements * meta.size;
  const limit = Math.min(ctx.options.fileBytes, ctx.options.maxDatasetBytes);
  if (!Number.isSafeInteger(declared) || declared > limit || elements !== meta.total_size) {
    throw new VggError(
      'E_WEIGHTS_FORMAT',
      `'${path}': weight '${label}' declares shape (${shape.join(', ')}) = ${formatBytes(declared)}, more than ` +
        (declared > ctx.options.fileBytes
          ? `the whole ${formatBytes(ctx.options.fileBytes)} file can hold`
          : `the ${formatBytes(ctx.options.maxDatasetBytes)} allowed per tensor`) +
        '; the file is corrupt or not VGG weights',
    );
  }
  const value = ds.value;
  if (!(value instanceof Float32Array || value instanceof Float64Array) || value.length !== elements) {
    throw new VggError('E_WEIGHTS_FORMAT', `'${path}': weight '${label}' could not be read as ${elements} floats`);
  }
  // An owned buffer (not a view of the wasm heap), so it can be transferred out of the worker.
  const data =
    value instanceof Float32Array && value.byteLength === value.buffer.byteLength ? value : Float32Array.from(value);
  ctx.bytes += data.byteLength;
  return { name: datasetPath, shape, data };
}

function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} bytes`;
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} KB`;
  return `${n} bytes`;
}

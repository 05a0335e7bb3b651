import { existsSync } from 'node:fs';
import type { Dataset, Group } from 'h5wasm/node';
import { VggError, wrapError } from '../errors.js';
import type { RawLayer, RawWeight } from './weight-set.js';

export type KerasH5Layout = 'keras-legacy' | 'keras3';

export interface KerasH5Contents {
  readonly layout: KerasH5Layout;
  /** In file order (the `layer_names` attribute), weightless layers included. */
  readonly layers: readonly RawLayer[];
  readonly bytesRead: number;
}

export interface ReadOptions {
  /** Read tensor data only for these layer names (shapes are always read). */
  readonly only?: ReadonlySet<string>;
}

/**
 * Reads Keras HDF5 weights: the legacy layout of the official VGG files (`layer_names` /
 * `weight_names` attributes, flat `block1_conv1_W_1:0` or nested `conv2d/kernel:0` datasets,
 * optionally under `/model_weights`) and the Keras 3 `.weights.h5` layout (`layers/<key>/vars/<i>`).
 * Dataset paths always come from `weight_names`, never built from layer names.
 */
export async function readKerasH5(path: string, options: ReadOptions = {}): Promise<KerasH5Contents> {
  // Imported on first use: h5wasm is 4 MB of JS that callers reading other formats never need.
  const h5wasm = (await import('h5wasm/node')).default;
  await h5wasm.ready;
  if (!existsSync(path)) throw new VggError('E_WEIGHTS_NOT_FOUND', `weights file '${path}' not found`);
  let file: InstanceType<typeof h5wasm.File>;
  try {
    file = new h5wasm.File(path, 'r');
  } catch (e) {
    throw wrapError('E_WEIGHTS_FORMAT', `cannot open '${path}' as HDF5`, e);
  }
  try {
    const counter = { bytes: 0 };
    let root: Group = file;
    if (!hasSplitAttr(root, 'layer_names') && root.keys().includes('model_weights')) {
      root = root.get('model_weights') as Group; // full model.save() file, as Keras' own loader does
    }
    if (hasSplitAttr(root, 'layer_names')) {
      return { layout: 'keras-legacy', layers: readLegacy(root, options, counter, path), bytesRead: counter.bytes };
    }
    const keys = root.keys();
    const layersKey = keys.includes('layers') ? 'layers' : keys.includes('_layer_checkpoint_dependencies') ? '_layer_checkpoint_dependencies' : null;
    if (layersKey) {
      return { layout: 'keras3', layers: readKeras3(root.get(layersKey) as Group, options, counter, path), bytesRead: counter.bytes };
    }
    throw new VggError(
      'E_WEIGHTS_FORMAT',
      `'${path}' is HDF5 but not Keras weights: no 'layer_names' attribute, '/model_weights' or '/layers' group (top level has: ${keys.join(', ') || 'nothing'})`,
    );
  } finally {
    file.close();
  }
}

/** Keras 2 splits attributes over 64 KB into `name0`, `name1`, …; accept both forms. */
function hasSplitAttr(g: Group, name: string): boolean {
  const attrs = Object.keys(g.attrs);
  return attrs.includes(name) || attrs.includes(`${name}0`);
}

function readStringsAttr(g: Group, name: string): string[] {
  const attrs = g.attrs;
  const parts = name in attrs ? [attrs[name]!] : Object.keys(attrs).filter((k) => new RegExp(`^${name}\\d+$`).test(k)).sort(byTrailingNumber).map((k) => attrs[k]!);
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

function readLegacy(root: Group, options: ReadOptions, counter: { bytes: number }, path: string): RawLayer[] {
  return readStringsAttr(root, 'layer_names').map((layerName) => {
    const g = root.get(layerName) as Group | null;
    if (!g) throw new VggError('E_WEIGHTS_FORMAT', `'${path}': layer_names lists '${layerName}' but the file has no such group`);
    const wanted = !options.only || options.only.has(layerName);
    const weights = readStringsAttr(g, 'weight_names').map((wn) => readDataset(g, wn, wanted, counter, `${layerName}/${wn}`, path));
    return { name: layerName, weights };
  });
}

function readKeras3(layersGroup: Group, options: ReadOptions, counter: { bytes: number }, path: string): RawLayer[] {
  return layersGroup.keys().map((key) => {
    const vars = (layersGroup.get(key) as Group).get('vars') as Group | null;
    const nameAttr = vars && 'name' in vars.attrs ? String(vars.attrs['name']!.value) : undefined;
    const name = nameAttr ?? key; // Keras < 3.6 wrote no name: the key is the snake_case class name
    const wanted = !options.only || options.only.has(name) || nameAttr === undefined;
    const indices = vars ? vars.keys().filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b)) : [];
    const weights = indices.map((i) => readDataset(vars!, i, wanted, counter, `layers/${key}/vars/${i}`, path));
    return { name, weights, positional: nameAttr === undefined };
  });
}

function readDataset(g: Group, datasetPath: string, wanted: boolean, counter: { bytes: number }, label: string, path: string): RawWeight {
  const ds = g.get(datasetPath) as Dataset | null;
  if (!ds || ds.type !== 'Dataset') {
    throw new VggError('E_WEIGHTS_FORMAT', `'${path}': weight '${label}' is listed in weight_names but missing from the file`);
  }
  const shape = ds.shape ?? [];
  if (!wanted) return { name: datasetPath, shape };
  const dtype = String(ds.dtype);
  if (!/^[<>]?[fd]$/.test(dtype)) {
    throw new VggError('E_WEIGHTS_FORMAT', `'${path}': weight '${label}' has dtype ${dtype}; only float32/float64 are supported`);
  }
  const value = ds.value as Float32Array | Float64Array;
  const data = value instanceof Float32Array ? value : Float32Array.from(value);
  counter.bytes += data.byteLength;
  return { name: datasetPath, shape, data };
}

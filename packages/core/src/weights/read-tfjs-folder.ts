import { open, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { VggError, wrapError } from '../errors.js';
import type { RawLayer, RawWeight } from './weight-set.js';

interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}
interface ManifestGroup {
  paths: string[];
  weights: ManifestWeight[];
}

export interface TfjsContents {
  readonly layers: readonly RawLayer[];
  /** Layers some of whose bytes lie in shards that are absent. */
  readonly unavailable: readonly string[];
  readonly bytesRead: number;
}

/**
 * Reads a TensorFlow.js layers-model folder (`model.json` + binary shards): old converters' one
 * group per layer and newer single-group manifests alike. Shards are read only where they hold
 * a requested layer; a weight whose shard is absent makes its layer unavailable instead of failing.
 */
export async function readTfjsFolder(modelJsonPath: string, only?: ReadonlySet<string>): Promise<TfjsContents> {
  let manifest: ManifestGroup[];
  try {
    const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as { weightsManifest?: ManifestGroup[] };
    if (!Array.isArray(json.weightsManifest)) throw new Error('no weightsManifest array');
    manifest = json.weightsManifest;
  } catch (e) {
    throw wrapError('E_WEIGHTS_FORMAT', `'${modelJsonPath}' is not a TensorFlow.js layers-model manifest`, e);
  }
  const dir = dirname(modelJsonPath);
  const byLayer = new Map<string, RawWeight[]>();
  const unavailable = new Set<string>();
  let bytesRead = 0;

  for (const group of manifest) {
    const shards = await shardTable(dir, group.paths);
    let offset = 0;
    for (const w of group.weights) {
      const byteLength = w.shape.reduce((a, b) => a * b, 1) * bytesPerElement(w, modelJsonPath);
      const layer = layerOf(w.name);
      const list = byLayer.get(layer) ?? [];
      byLayer.set(layer, list);
      const start = offset;
      offset += byteLength;
      if (only && !only.has(layer)) {
        list.push({ name: w.name, shape: w.shape });
        continue;
      }
      const bytes = await readRange(shards, start, byteLength);
      if (!bytes) {
        unavailable.add(layer);
        list.push({ name: w.name, shape: w.shape });
        continue;
      }
      bytesRead += bytes.byteLength;
      list.push({ name: w.name, shape: w.shape, data: decode(w, bytes) });
    }
  }
  const layers = [...byLayer].map(([name, weights]) => ({ name, weights }));
  return { layers, unavailable: [...unavailable], bytesRead };
}

/** `block1_conv1/kernel` or `block1_conv1/kernel:0` → `block1_conv1`. */
function layerOf(weightName: string): string {
  const slash = weightName.indexOf('/');
  return slash < 0 ? weightName.replace(/:\d+$/, '') : weightName.slice(0, slash);
}

function bytesPerElement(w: ManifestWeight, path: string): number {
  const q = w.quantization?.dtype;
  if (q === 'uint8') return 1;
  if (q === 'uint16' || q === 'float16') return 2;
  if (w.dtype === 'float32') return 4;
  throw new VggError('E_WEIGHTS_FORMAT', `'${path}': weight '${w.name}' has dtype ${w.dtype}; only float32 (optionally quantized) is supported`);
}

function decode(w: ManifestWeight, bytes: Uint8Array): Float32Array {
  const q = w.quantization;
  if (!q) return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (q.dtype === 'float16') {
    const src = new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    return Float32Array.from(src, halfToFloat);
  }
  const src = q.dtype === 'uint8' ? bytes : new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const scale = q.scale ?? 1;
  const min = q.min ?? 0;
  return Float32Array.from(src, (v) => v * scale + min);
}

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

interface Shard {
  path: string;
  start: number;
  size: number;
  present: boolean;
}

async function shardTable(dir: string, paths: string[]): Promise<Shard[]> {
  const out: Shard[] = [];
  let start = 0;
  for (const p of paths) {
    const path = join(dir, p);
    const size = await stat(path).then((s) => s.size, () => -1);
    // An absent shard's size is unknown, so every later offset in the group is unknown too.
    out.push({ path, start, size: Math.max(size, 0), present: size >= 0 });
    if (size < 0) start = Infinity;
    else start += size;
  }
  return out;
}

/** Reads [start, start+length) across shards; null if any byte lies in an absent shard. */
async function readRange(shards: Shard[], start: number, length: number): Promise<Uint8Array | null> {
  const out = new Uint8Array(length);
  let filled = 0;
  for (const s of shards) {
    if (filled === length) break;
    const want = start + filled;
    // Shards are visited in order, so an absent one reached while bytes are still owed holds them.
    if (!s.present || !Number.isFinite(s.start)) return null;
    if (want >= s.start + s.size) continue;
    const n = Math.min(length - filled, s.start + s.size - want);
    const fh = await open(s.path, 'r');
    try {
      await fh.read(out, filled, n, want - s.start);
    } finally {
      await fh.close();
    }
    filled += n;
  }
  return filled === length ? out : null;
}

import { open, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { VggError, wrapError } from '@vggscope/core';
import { type ManifestGroup, type ManifestWeight, parseTfjsManifest } from './tfjs-manifest.js';
import { halfToFloat } from './float16.js';
import type { RawLayer, RawWeight } from '@vggscope/core';

/** A real layers-model's model.json is tens of KB (a few MB with a big topology). */
const MAX_MODEL_JSON_BYTES = 256 * 2 ** 20;

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
  const manifest = parseTfjsManifest(await readModelJson(modelJsonPath), modelJsonPath);
  const dir = dirname(modelJsonPath);
  const byLayer = new Map<string, RawWeight[]>();
  const unavailable = new Set<string>();
  let bytesRead = 0;

  for (const [gi, group] of manifest.entries()) {
    const shards = await shardTable(dir, group, gi, modelJsonPath);
    let offset = 0;
    for (const w of group.weights) {
      const layer = layerOf(w.name);
      const list = byLayer.get(layer) ?? [];
      byLayer.set(layer, list);
      const start = offset;
      offset += w.byteLength;
      if (only && !only.has(layer)) {
        list.push({ name: w.name, shape: w.shape });
        continue;
      }
      const bytes = await readRange(shards, start, w.byteLength);
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

async function readModelJson(path: string): Promise<unknown> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    if (info.size > MAX_MODEL_JSON_BYTES)
      throw new Error(`${info.size} bytes, more than any layers-model manifest (${MAX_MODEL_JSON_BYTES})`);
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw wrapError('E_WEIGHTS_FORMAT', `'${path}' is not a TensorFlow.js layers-model manifest`, e);
  }
}

/** `block1_conv1/kernel` or `block1_conv1/kernel:0` → `block1_conv1`. */
function layerOf(weightName: string): string {
  const slash = weightName.indexOf('/');
  return slash < 0 ? weightName.replace(/:\d+$/, '') : weightName.slice(0, slash);
}

function decode(w: ManifestWeight, bytes: Uint8Array): Float32Array {
  const q = w.quantization;
  if (!q) return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (q.dtype === 'float16') {
    const src = new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    return Float32Array.from(src, halfToFloat);
  }
  const src =
    q.dtype === 'uint8'
      ? bytes
      : new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const scale = q.scale ?? 1;
  const min = q.min ?? 0;
  return Float32Array.from(src, (v) => v * scale + min);
}

interface Shard {
  path: string;
  start: number;
  size: number;
  present: boolean;
}

/**
 * Sizes of a group's shards, checked against what its weights need before any byte is used: when
 * all are present they must add up to exactly the weights' total (a shard 4 bytes short would
 * shift every later weight); when some are absent (a partial folder), the present ones must not
 * exceed it. Otherwise → E_WEIGHTS_FORMAT naming the shard and both lengths.
 */
async function shardTable(dir: string, group: ManifestGroup, gi: number, modelJson: string): Promise<Shard[]> {
  const out: Shard[] = [];
  let start = 0;
  for (const p of group.paths) {
    const path = join(dir, p);
    const info = await stat(path).catch(() => undefined);
    if (info && !info.isFile()) throw new VggError('E_WEIGHTS_FORMAT', `'${modelJson}': shard '${p}' is not a file`);
    const size = info ? info.size : -1;
    // An absent shard's size is unknown, so every later offset in the group is unknown too.
    out.push({ path, start, size: Math.max(size, 0), present: size >= 0 });
    if (size < 0) start = Infinity;
    else start += size;
  }
  const present = out.filter((s) => s.present);
  const have = present.reduce((n, s) => n + s.size, 0);
  const need = group.byteLength;
  const fault = (shard: Shard, expected: string) =>
    new VggError(
      'E_WEIGHTS_FORMAT',
      `'${modelJson}': shard '${basename(shard.path)}' is ${shard.size} bytes, but the manifest's weights need ${expected} ` +
        `(group ${gi + 1}: ${group.weights.length} weights, ${need} bytes in ${group.paths.length} shard${group.paths.length > 1 ? 's' : ''}, the shards hold ${have}); ` +
        'the folder is corrupt or from another model: convert or download it again',
    );
  if (present.length === out.length) {
    if (have !== need) {
      const last = out[out.length - 1]!;
      throw fault(last, `${need - (have - last.size)}`);
    }
  } else {
    const tooBig = present.find((s) => s.size > need);
    if (tooBig || have > need)
      throw fault(
        tooBig ?? present[present.length - 1]!,
        `at most ${need - (have - (tooBig ?? present[present.length - 1]!).size)}`,
      );
  }
  return out;
}

/** Reads [start, start+length) across shards; null if any byte lies in an absent shard. */
async function readRange(shards: Shard[], start: number, length: number): Promise<Uint8Array | null> {
  // Settle availability before allocating: a weight in an absent shard costs nothing.
  let reach = start;
  for (const s of shards) {
    if (reach >= start + length) break;
    if (!s.present || !Number.isFinite(s.start)) return null;
    if (reach < s.start + s.size) reach = s.start + s.size;
  }
  if (reach < start + length) return null;
  const out = new Uint8Array(length);
  let filled = 0;
  for (const s of shards) {
    if (filled === length) break;
    const want = start + filled;
    if (want >= s.start + s.size) continue;
    const n = Math.min(length - filled, s.start + s.size - want);
    const fh = await open(s.path, 'r');
    try {
      const { bytesRead } = await fh.read(out, filled, n, want - s.start);
      if (bytesRead !== n)
        throw new VggError(
          'E_WEIGHTS_FORMAT',
          `shard '${s.path}' shrank while being read (${bytesRead} of ${n} bytes)`,
        );
    } finally {
      await fh.close();
    }
    filled += n;
  }
  return filled === length ? out : null;
}

import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { VggError, wrapError } from '../errors.js';
import type { VggGraph } from '../graph.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { fromHalf, toHalf } from './float16.js';
import type { LayerWeights, WeightSet } from './weight-set.js';

/**
 * vggscope's packed weights: `VGGWPK01`, a u32 header length, a JSON header (padded so data starts
 * on a 64-byte boundary), then each tensor little-endian at a 64-byte-aligned offset. Loading seeks
 * straight to the tensors the requested outputs need.
 */
export const PACKED_MAGIC = 'VGGWPK01';
export const PACKED_EXT = '.vggw';
const ALIGN = 64;

export type PackedDtype = 'f32' | 'f16';

export interface PackedTensor {
  layer: string;
  role: 'kernel' | 'bias';
  shape: number[];
  dtype: PackedDtype;
  offset: number;
  byteLength: number;
  sha256: string;
}

export interface PackedHeader {
  format: 'vggscope-packed';
  version: 1;
  model: string;
  includeTop: boolean;
  dtype: PackedDtype;
  source: { file: string; md5?: string };
  tensors: PackedTensor[];
}

/** Packed file name for a model in a cache folder: `vgg16-notop.vggw`. */
export function packedName(model: string, includeTop: boolean): string {
  return `${model}-${includeTop ? 'top' : 'notop'}${PACKED_EXT}`;
}

export async function writePacked(
  path: string,
  graph: VggGraph,
  weights: WeightSet,
  options: { dtype?: PackedDtype; sourceMd5?: string } = {},
): Promise<PackedHeader> {
  const dtype = options.dtype ?? 'f32';
  const blobs: Uint8Array[] = [];
  const tensors: PackedTensor[] = [];
  let offset = 0; // relative to the data start; made absolute once the header size is known
  for (const layer of graph.layers) {
    const w = weights.layers.get(layer.name);
    if (!w) continue;
    for (const role of ['kernel', 'bias'] as const) {
      const t = w[role];
      const typed = dtype === 'f16' ? toHalf(t.data) : t.data;
      const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
      const pad = (ALIGN - (offset % ALIGN)) % ALIGN;
      if (pad) blobs.push(new Uint8Array(pad));
      offset += pad;
      tensors.push({ layer: layer.name, role, shape: [...t.shape], dtype, offset, byteLength: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') });
      blobs.push(bytes);
      offset += bytes.byteLength;
    }
  }
  const header: PackedHeader = {
    format: 'vggscope-packed', version: 1, model: graph.model, includeTop: graph.includeTop, dtype,
    source: { file: weights.source, md5: options.sourceMd5 }, tensors,
  };
  // Offsets depend on the header length and vice versa: the padded length settles in two passes.
  let dataStart = 0;
  let json = '';
  for (let i = 0; i < 3; i++) {
    json = JSON.stringify({ ...header, tensors: tensors.map((t) => ({ ...t, offset: t.offset + dataStart })) });
    const next = Math.ceil((12 + Buffer.byteLength(json)) / ALIGN) * ALIGN;
    if (next === dataStart) break;
    dataStart = next;
  }
  const head = new Uint8Array(dataStart).fill(0x20);
  head.set(new TextEncoder().encode(PACKED_MAGIC), 0);
  new DataView(head.buffer).setUint32(8, dataStart - 12, true);
  head.set(new TextEncoder().encode(json), 12);
  await writeFileAtomic(path, [head, ...blobs]);
  return JSON.parse(json) as PackedHeader;
}

export async function readPackedHeader(path: string): Promise<PackedHeader> {
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw wrapError('E_WEIGHTS_NOT_FOUND', `packed weights '${path}' cannot be opened`, e);
  });
  try {
    return await headerOf(fh, path);
  } finally {
    await fh.close();
  }
}

async function headerOf(fh: Awaited<ReturnType<typeof open>>, path: string): Promise<PackedHeader> {
  const pre = new Uint8Array(12);
  await fh.read(pre, 0, 12, 0);
  if (new TextDecoder().decode(pre.subarray(0, 8)) !== PACKED_MAGIC) {
    throw new VggError('E_WEIGHTS_FORMAT', `'${path}' is not a vggscope packed weights file (bad magic)`);
  }
  const len = new DataView(pre.buffer).getUint32(8, true);
  const buf = new Uint8Array(len);
  await fh.read(buf, 0, len, 12);
  try {
    return JSON.parse(new TextDecoder().decode(buf).trimEnd()) as PackedHeader;
  } catch (e) {
    throw wrapError('E_WEIGHTS_FORMAT', `'${path}': packed header is corrupt; delete the file and convert again`, e);
  }
}

/** True when `path` is a readable vggscope packed file (by its magic), false for anything else. */
export async function isPackedFile(path: string): Promise<boolean> {
  return readPackedHeader(path).then(() => true, () => false);
}

/**
 * Reads a packed file layer by layer — one header parse, one open file — yielding each layer's
 * weights as soon as its kernel and bias are read, so a caller can upload and drop them before the
 * next layer is read. Only the layers of `only` are read (by seeking to them).
 * Reads are synchronous on purpose: one positioned read per tensor into its own buffer measured
 * ~9 ms for VGG16 no-top here, against ~80 ms through the libuv thread pool (see BENCHMARKS.md).
 */
export async function* readPackedLayers(
  path: string,
  graph: VggGraph,
  only?: ReadonlySet<string>,
): AsyncGenerator<{ name: string; weights: LayerWeights; bytesRead: number }> {
  const header = await readPackedHeader(path);
  if (header.model !== graph.model) {
    throw new VggError('E_WEIGHTS_FORMAT', `'${path}' holds ${header.model} weights, but ${graph.model} was requested; use --model ${header.model}`);
  }
  const wanted = new Set(graph.layers.filter((l) => l.weights.length > 0 && (!only || only.has(l.name))).map((l) => l.name));
  const pending = new Map<string, { -readonly [K in keyof LayerWeights]?: LayerWeights[K] } & { bytes: number }>();
  const fd = openSync(path, 'r');
  try {
    for (const t of header.tensors) {
      if (!wanted.has(t.layer)) continue;
      const raw = new Uint8Array(t.byteLength);
      const n = readSync(fd, raw, 0, t.byteLength, t.offset);
      if (n !== t.byteLength) throw new VggError('E_WEIGHTS_FORMAT', `'${path}' is truncated at ${t.layer}/${t.role}; delete it and convert again`);
      const data = t.dtype === 'f16' ? fromHalf(new Uint16Array(raw.buffer)) : new Float32Array(raw.buffer);
      const entry = pending.get(t.layer) ?? { bytes: 0 };
      entry[t.role] = { data, shape: t.shape };
      entry.bytes += n;
      pending.set(t.layer, entry);
      if (entry.kernel && entry.bias) {
        pending.delete(t.layer);
        yield { name: t.layer, weights: { kernel: entry.kernel, bias: entry.bias }, bytesRead: entry.bytes };
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Loads a packed file into memory, reading only the tensors of `only` (when given). */
export async function readPacked(path: string, graph: VggGraph, only?: ReadonlySet<string>): Promise<WeightSet> {
  const layers = new Map<string, LayerWeights>();
  let bytesRead = 0;
  for await (const layer of readPackedLayers(path, graph, only)) {
    layers.set(layer.name, layer.weights);
    bytesRead += layer.bytesRead;
  }
  return { source: path, format: 'packed', layers, unavailable: [], bytesRead };
}

/** Re-hashes every tensor; returns the ones whose sha256 differs from the header. */
export async function verifyPacked(path: string): Promise<{ header: PackedHeader; bad: string[] }> {
  const fh = await open(path, 'r');
  try {
    const header = await headerOf(fh, path);
    const bad: string[] = [];
    for (const t of header.tensors) {
      const raw = new Uint8Array(t.byteLength);
      const { bytesRead } = await fh.read(raw, 0, t.byteLength, t.offset);
      if (bytesRead !== t.byteLength || createHash('sha256').update(raw).digest('hex') !== t.sha256) bad.push(`${t.layer}/${t.role}`);
    }
    return { header, bad };
  } finally {
    await fh.close();
  }
}

import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { VggError, wrapError } from '@vggscope/core';
import type { VggGraph, WeightStaging } from '@vggscope/core';
import { writeFileAtomic } from '@vggscope/io';
import { crc32 } from './checksum.js';
import { fromHalf, toHalf } from './float16.js';
import { hashFile } from './md5-file.js';
import {
  MAX_PACKED_HEADER_BYTES,
  type PackedDtype,
  type PackedHeader,
  type PackedTensor,
  validatePackedHeader,
} from './packed-header.js';
import { dropStamp, hasValidStamp, identityOf, sameIdentity, stampedMd5, writeStamp } from './packed-stamp.js';
import type { LayerWeights, WeightSet } from '@vggscope/core';

/**
 * vggscope's packed weights: `VGGWPK01`, a u32 header length, a JSON header (padded so data starts
 * on a 64-byte boundary), then each tensor little-endian at a 64-byte-aligned offset. Loading seeks
 * straight to the tensors the requested outputs need. Every header number is validated before any
 * read (see packed-header.ts) and every tensor read is checked: CRC-32 for version 2 files (what
 * the writer writes), sha256 for version 1 files (still read, at ~3× the checking cost).
 */
export const PACKED_MAGIC = 'VGGWPK01';
export const PACKED_EXT = '.vggw';
const ALIGN = 64;
/** Largest single positioned read: `fs.readSync` takes an int32 length (a larger one aborts Node). */
const MAX_READ = 2 ** 30;

export type { PackedDtype, PackedHeader, PackedTensor } from './packed-header.js';

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
      tensors.push({
        layer: layer.name,
        role,
        shape: [...t.shape],
        dtype,
        offset,
        byteLength: bytes.byteLength,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        crc32: crc32(bytes),
      });
      blobs.push(bytes);
      offset += bytes.byteLength;
    }
  }
  const header: PackedHeader = {
    format: 'vggscope-packed',
    version: 2,
    model: graph.model,
    includeTop: graph.includeTop,
    dtype,
    source: { file: weights.source, md5: options.sourceMd5 },
    tensors,
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
  const fd = openPacked(path);
  try {
    return headerOf(fd, path);
  } finally {
    closeSync(fd);
  }
}

function openPacked(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw wrapError(
      code === 'ENOENT' ? 'E_WEIGHTS_NOT_FOUND' : 'E_WEIGHTS_FORMAT',
      `packed weights '${path}' cannot be opened`,
      e,
    );
  }
}

/** Reads and validates the header; every number is checked before it sizes a read or a buffer. */
function headerOf(fd: number, path: string): PackedHeader {
  const size = fstatSync(fd).size;
  const pre = new Uint8Array(12);
  const got = readFully(fd, pre, 0, path);
  if (got < 8 || new TextDecoder().decode(pre.subarray(0, 8)) !== PACKED_MAGIC) {
    throw new VggError('E_WEIGHTS_FORMAT', `'${path}' is not a vggscope packed weights file (bad magic)`);
  }
  const len = got < 12 ? -1 : new DataView(pre.buffer).getUint32(8, true);
  if (len < 2 || len > MAX_PACKED_HEADER_BYTES || 12 + len > size) {
    throw new VggError(
      'E_WEIGHTS_FORMAT',
      `'${path}': packed header length ${len < 0 ? 'is missing' : len} does not fit a ${size}-byte file (at most ${MAX_PACKED_HEADER_BYTES} bytes); the file is truncated or corrupt: delete it and convert or fetch again`,
    );
  }
  const buf = new Uint8Array(len);
  if (readFully(fd, buf, 12, path) !== len)
    throw new VggError('E_WEIGHTS_FORMAT', `'${path}': packed header is truncated; delete the file and convert again`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(buf).trimEnd());
  } catch (e) {
    throw wrapError('E_WEIGHTS_FORMAT', `'${path}': packed header is corrupt; delete the file and convert again`, e);
  }
  return validatePackedHeader(json, { path, dataStart: 12 + len, size });
}

/** Positioned read of `buf.length` bytes in int32-sized steps; returns the bytes actually read. */
function readFully(fd: number, buf: Uint8Array, position: number, path: string): number {
  let done = 0;
  try {
    while (done < buf.length) {
      const n = readSync(fd, buf, done, Math.min(buf.length - done, MAX_READ), position + done);
      if (n === 0) break;
      done += n;
    }
  } catch (e) {
    throw wrapError('E_WEIGHTS_FORMAT', `'${path}' cannot be read`, e);
  }
  return done;
}

/** True when `path` is a readable vggscope packed file (by its magic), false for anything else. */
export async function isPackedFile(path: string): Promise<boolean> {
  return readPackedHeader(path).then(
    () => true,
    () => false,
  );
}

/**
 * Reads one tensor and checks it against the header (CRC-32, or sha256 for version 1 files) unless
 * the file carries a valid "verified" stamp (packed-stamp.ts); a mismatch → E_WEIGHTS_CHECKSUM.
 */
function readTensor(
  fd: number,
  t: PackedTensor,
  header: PackedHeader,
  path: string,
  trusted: boolean,
  into?: Float32Array,
): Uint8Array {
  const raw = into ? new Uint8Array(into.buffer, into.byteOffset, into.byteLength) : new Uint8Array(t.byteLength);
  if (readFully(fd, raw, t.offset, path) !== t.byteLength) {
    throw new VggError(
      'E_WEIGHTS_FORMAT',
      `'${path}' is truncated at ${t.layer}/${t.role}; delete it and convert again`,
    );
  }
  if (trusted) return raw;
  const ok = header.version >= 2 ? crc32(raw) === t.crc32 : createHash('sha256').update(raw).digest('hex') === t.sha256;
  if (!ok) {
    dropStamp(path);
    throw new VggError(
      'E_WEIGHTS_CHECKSUM',
      `'${path}' is corrupt: ${t.layer}/${t.role} does not match its ${header.version >= 2 ? 'CRC-32' : 'sha256'} in the header; ` +
        'delete the file and convert or fetch again (a cached file is re-derived on the next run)',
    );
  }
  return raw;
}

/**
 * Reads a packed file layer by layer — one header parse, one open file — yielding each layer's
 * weights as soon as its kernel and bias are read, so a caller can upload and drop them before the
 * next layer is read. Only the layers of `only` are read (by seeking to them). Each tensor's shape
 * must be the graph's (E_WEIGHTS_SHAPE) and its bytes must match the header's checksum.
 * Reads are synchronous on purpose: one positioned read per tensor into its own buffer measured
 * ~9 ms for VGG16 no-top here, against ~80 ms through the libuv thread pool (see BENCHMARKS.md).
 * With `staging`, f32 kernels are read straight into the arrays it hands out (a backend's memory):
 * no buffer of our own to allocate, fault in and copy again.
 */
export async function* readPackedLayers(
  path: string,
  graph: VggGraph,
  only?: ReadonlySet<string>,
  staging?: WeightStaging,
): AsyncGenerator<{ name: string; weights: LayerWeights; bytesRead: number }> {
  const fd = openPacked(path);
  try {
    const header = headerOf(fd, path);
    if (header.model !== graph.model) {
      throw new VggError(
        'E_WEIGHTS_FORMAT',
        `'${path}' holds ${header.model} weights, but ${graph.model} was requested; use --model ${header.model}`,
      );
    }
    const trusted = hasValidStamp(path, fd);
    const specs = new Map(
      graph.layers.filter((l) => l.weights.length > 0 && (!only || only.has(l.name))).map((l) => [l.name, l]),
    );
    const pending = new Map<string, { -readonly [K in keyof LayerWeights]?: LayerWeights[K] } & { bytes: number }>();
    for (const t of header.tensors) {
      const spec = specs.get(t.layer)?.weights.find((w) => w.role === t.role);
      if (!spec) continue;
      if (spec.shape.length !== t.shape.length || spec.shape.some((d, i) => d !== t.shape[i])) {
        throw new VggError(
          'E_WEIGHTS_SHAPE',
          `'${path}': ${t.layer}/${t.role} is (${t.shape.join(', ')}), but ${graph.model} needs (${spec.shape.join(', ')}); delete the file and convert again`,
        );
      }
      const into =
        staging && t.role === 'kernel' && t.dtype === 'f32'
          ? staging.kernel(specs.get(t.layer)!, t.byteLength / 4)
          : undefined;
      const raw = readTensor(fd, t, header, path, trusted, into);
      const data = into ?? (t.dtype === 'f16' ? fromHalf(new Uint16Array(raw.buffer)) : new Float32Array(raw.buffer));
      const entry = pending.get(t.layer) ?? { bytes: 0 };
      entry[t.role] = { data, shape: t.shape };
      entry.bytes += raw.byteLength;
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

/**
 * Re-checks every tensor; returns the ones that fail. By default both sha256 and (version 2)
 * CRC-32 are checked; `quick` checks only the CRC-32 (the load-time check) when the file has one.
 * `stamp` records a clean result and the file's md5 (packed-stamp.ts) so that later loads of the
 * unchanged file skip the per-tensor check, and the CLI its md5. An unreadable or invalid header throws E_WEIGHTS_FORMAT / E_WEIGHTS_NOT_FOUND.
 */
export async function verifyPacked(
  path: string,
  options: { quick?: boolean; stamp?: boolean } = {},
): Promise<{ header: PackedHeader; bad: string[] }> {
  const fd = openPacked(path);
  try {
    const before = identityOf(fd);
    const header = headerOf(fd, path);
    const bad: string[] = [];
    for (const t of header.tensors) {
      const raw = new Uint8Array(t.byteLength);
      const complete = readFully(fd, raw, t.offset, path) === t.byteLength;
      const crcOk = t.crc32 === undefined || crc32(raw) === t.crc32;
      const shaOk =
        (options.quick && t.crc32 !== undefined) || createHash('sha256').update(raw).digest('hex') === t.sha256;
      if (!complete || !crcOk || !shaOk) bad.push(`${t.layer}/${t.role}`);
    }
    if (bad.length) dropStamp(path);
    else if (options.stamp) {
      const md5 = await hashFile(path);
      if (sameIdentity(before, identityOf(fd))) await writeStamp(path, before, md5);
    }
    return { header, bad };
  } finally {
    closeSync(fd);
  }
}

/**
 * The cache's check: a file with a valid "verified" stamp only has its header validated; any
 * other is fully checked (CRC-32, or sha256 for version 1) and stamped when clean. A stamp from
 * before stamps held the md5 gets it added, once.
 */
export async function verifyPackedOnce(
  path: string,
): Promise<{ header: PackedHeader; bad: string[]; stamped: boolean }> {
  const fd = openPacked(path);
  try {
    if (hasValidStamp(path, fd)) {
      const header = headerOf(fd, path);
      if (stampedMd5(path) === undefined) {
        const before = identityOf(fd);
        const md5 = await hashFile(path);
        if (sameIdentity(before, identityOf(fd))) await writeStamp(path, before, md5);
      }
      return { header, bad: [], stamped: true };
    }
  } finally {
    closeSync(fd);
  }
  return { ...(await verifyPacked(path, { quick: true, stamp: true })), stamped: false };
}

import { VggError, sizeOf } from '@vggscope/core';

export type PackedDtype = 'f32' | 'f16';

export interface PackedTensor {
  layer: string;
  role: 'kernel' | 'bias';
  shape: number[];
  dtype: PackedDtype;
  /** Absolute byte offset in the file. */
  offset: number;
  byteLength: number;
  sha256: string;
  /** CRC-32 of the stored bytes (version 2 on); checked on every load. */
  crc32?: number;
}

export interface PackedHeader {
  format: 'vggscope-packed';
  /** 1: sha256 per tensor only (verified with sha256 on load); 2: adds a CRC-32 per tensor. */
  version: 1 | 2;
  model: string;
  includeTop: boolean;
  dtype: PackedDtype;
  source: { file: string; md5?: string };
  tensors: PackedTensor[];
}

/** Largest JSON header accepted: VGG19 with top needs ~8 KB; anything near this is not ours. */
export const MAX_PACKED_HEADER_BYTES = 4 * 2 ** 20;
const BYTES_PER_ELEMENT: Record<PackedDtype, number> = { f32: 4, f16: 2 };

/**
 * Checks every field of a parsed packed header against the file it came from, before anything is
 * read or allocated from it: numbers are non-negative safe integers, each tensor's byte length is
 * its shape times its dtype's size, each lies inside the file after the header, none overlap and
 * no (layer, role) appears twice. Any fault → E_WEIGHTS_FORMAT naming the file and the field.
 */
export function validatePackedHeader(
  json: unknown,
  file: { path: string; dataStart: number; size: number },
): PackedHeader {
  const bad = (what: string): never => {
    throw new VggError(
      'E_WEIGHTS_FORMAT',
      `'${file.path}': packed header is corrupt (${what}); delete the file and convert or fetch again`,
    );
  };
  if (!isObject(json)) return bad('not a JSON object');
  if (json.format !== 'vggscope-packed') bad(`format is ${describe(json.format)}, expected "vggscope-packed"`);
  if (json.version !== 1 && json.version !== 2)
    bad(`version ${describe(json.version)} is not 1 or 2; a newer vggscope may have written it`);
  if (typeof json.model !== 'string' || !/^[\w.-]{1,64}$/.test(json.model)) bad(`model is ${describe(json.model)}`);
  if (typeof json.includeTop !== 'boolean') bad(`includeTop is ${describe(json.includeTop)}`);
  if (json.dtype !== 'f32' && json.dtype !== 'f16') bad(`dtype is ${describe(json.dtype)}, expected "f32" or "f16"`);
  if (!isObject(json.source) || typeof json.source.file !== 'string') bad('source.file is not a string');
  if (!Array.isArray(json.tensors)) return bad('tensors is not an array');
  const seen = new Set<string>();
  const tensors = json.tensors.map((t: unknown, i: number) => {
    const where = `tensors[${i}]`;
    if (!isObject(t)) return bad(`${where} is not an object`);
    if (typeof t.layer !== 'string' || t.layer.length === 0 || t.layer.length > 200)
      bad(`${where}.layer is ${describe(t.layer)}`);
    if (t.role !== 'kernel' && t.role !== 'bias') bad(`${where}.role is ${describe(t.role)}`);
    const key = `${String(t.layer)}/${String(t.role)}`;
    if (seen.has(key)) bad(`${key} appears twice`);
    seen.add(key);
    if (t.dtype !== 'f32' && t.dtype !== 'f16') bad(`${key} dtype is ${describe(t.dtype)}`);
    if (!Array.isArray(t.shape) || t.shape.length < 1 || t.shape.length > 8 || !t.shape.every(isCount))
      bad(`${key} shape is ${describe(t.shape)}`);
    if (!isCount(t.offset) || !isCount(t.byteLength))
      bad(`${key} offset ${describe(t.offset)} / byteLength ${describe(t.byteLength)} are not non-negative integers`);
    const shape = t.shape as number[];
    const elements = sizeOf(shape);
    const expected = elements * BYTES_PER_ELEMENT[t.dtype as PackedDtype];
    if (!Number.isSafeInteger(expected) || expected !== t.byteLength) {
      bad(
        `${key} byteLength ${String(t.byteLength)} does not match shape (${shape.join(', ')}) × ${BYTES_PER_ELEMENT[t.dtype as PackedDtype]} bytes = ${expected}`,
      );
    }
    const [offset, byteLength] = [t.offset as number, t.byteLength as number];
    if (offset < file.dataStart || offset + byteLength > file.size) {
      bad(
        `${key} bytes ${offset}..${offset + byteLength} lie outside the data area ${file.dataStart}..${file.size}; the file may be truncated`,
      );
    }
    if (typeof t.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(t.sha256)) bad(`${key} sha256 is ${describe(t.sha256)}`);
    if (json.version === 2 && !(isCount(t.crc32) && (t.crc32 as number) <= 0xffffffff))
      bad(`${key} crc32 is ${describe(t.crc32)}`);
    return t as unknown as PackedTensor;
  });
  const byOffset = [...tensors].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const [prev, cur] = [byOffset[i - 1]!, byOffset[i]!];
    if (cur.offset < prev.offset + prev.byteLength) bad(`${cur.layer}/${cur.role} overlaps ${prev.layer}/${prev.role}`);
  }
  return json as unknown as PackedHeader;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function describe(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

import { type FloatTensor, sizeOf, VggError } from '@vggscope/core';

/** A v1.0 `.npy` preamble for `descr`/`shape`, padded with spaces to `length` bytes (a multiple of 64) or the next multiple of 64. */
export function npyPreamble(descr: string, shape: readonly number[], length?: number): Uint8Array {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  const unpadded = 10 + header.length + 1;
  const total = length ?? unpadded + ((64 - (unpadded % 64)) % 64);
  if (total < unpadded || total - 10 > 0xffff)
    throw new VggError('E_INTERNAL', `npy: header for ${dims} does not fit ${total} bytes`);
  header += ' '.repeat(total - unpadded) + '\n';
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY v1.0
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  return out;
}

/**
 * A float32 tensor as NumPy `.npy` format 1.0 (`<f4`, C order), in two parts that share the
 * tensor's memory: the preamble (magic, header dict padded to 64 bytes) and the raw data. For
 * writers that send the parts on without a copy; `encodeNpy` gives one buffer.
 */
export function encodeNpyParts(t: FloatTensor): [Uint8Array, Uint8Array] {
  const body = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return [npyPreamble('<f4', t.shape), littleEndian(body)];
}

/**
 * Encodes a float32 tensor as one NumPy `.npy` file (format 1.0, `<f4`, C order).
 * @example writeFileSync('x.npy', encodeNpy({ data, shape: [1, 7, 7, 512] })) // np.load('x.npy').shape == (1, 7, 7, 512)
 */
export function encodeNpy(t: FloatTensor): Uint8Array {
  const [preamble, body] = encodeNpyParts(t);
  const out = new Uint8Array(preamble.length + body.length);
  out.set(preamble, 0);
  out.set(body, preamble.length);
  return out;
}

function littleEndian(bytes: Uint8Array): Uint8Array {
  const probe = new Uint8Array(new Uint16Array([1]).buffer);
  if (probe[0] === 1) return bytes;
  const out = new Uint8Array(bytes);
  for (let i = 0; i < out.length; i += 4) out.subarray(i, i + 4).reverse();
  return out;
}

/** Parses a `<f4` `.npy` v1/v2 file (used by tests and `features.jsonl` consumers). */
export function decodeNpy(bytes: Uint8Array): FloatTensor {
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  if (!header.includes("'<f4'")) throw new Error(`decodeNpy: only <f4 is supported, header: ${header.trim()}`);
  const shape = /'shape': \(([^)]*)\)/
    .exec(header)![1]!
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const dataStart = start + headerLen;
  // Copy: a Node Buffer's slice() is a view whose .buffer may be a larger shared pool.
  const data = new Float32Array(new Uint8Array(bytes.subarray(dataStart)).buffer);
  return { data, shape };
}

/** What an `.npy` header says: dtype, order, shape, and where the data starts. */
export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
}

/**
 * Parses the header of a `.npy` (v1, v2 or v3) from its first bytes; undefined when they are not a
 * well-formed header (wrong magic, truncated, a dict it cannot read). Reads nothing past the header.
 */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader | undefined {
  if (bytes.length < 10 || bytes[0] !== 0x93 || new TextDecoder().decode(bytes.subarray(1, 6)) !== 'NUMPY')
    return undefined;
  const major = bytes[6]!;
  if (major < 1 || major > 3) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = major === 1 ? 10 : 12;
  if (bytes.length < start) return undefined;
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (bytes.length < start + headerLen) return undefined;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) return undefined;
  const parts = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!parts.every((p) => /^\d+$/.test(p))) return undefined;
  return { descr, fortranOrder: fortran === 'True', shape: parts.map(Number), dataOffset: start + headerLen };
}

/** Bytes an `.npy` v1 header for a float32 tensor of this shape takes (what `encodeNpy` writes). */
export function npyByteLength(shape: readonly number[]): number {
  return npyPreamble('<f4', shape).length + sizeOf(shape) * 4;
}

/**
 * True when `bytes` (a whole `.npy` file, or its first bytes with `totalLength` its size) is exactly
 * what `encodeNpy` would write for `shape`: `<f4`, C order, that shape, and the data all there.
 */
export function npyMatches(bytes: Uint8Array, shape: readonly number[], totalLength = bytes.length): boolean {
  const h = parseNpyHeader(bytes);
  if (!h || h.descr !== '<f4' || h.fortranOrder) return false;
  if (h.shape.length !== shape.length || h.shape.some((d, i) => d !== shape[i])) return false;
  return totalLength === h.dataOffset + sizeOf(shape) * 4;
}

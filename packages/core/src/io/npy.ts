import type { FloatTensor } from '../tensor.js';

/**
 * Encodes a float32 tensor as NumPy `.npy` format 1.0 (`<f4`, C order): the magic, a header dict
 * padded with spaces to a multiple of 64 bytes and ending in '\n', then the raw data.
 * @example encodeNpy({ data, shape: [1, 7, 7, 512] }) // np.load(...).shape == (1, 7, 7, 512)
 */
export function encodeNpy(t: FloatTensor): Uint8Array[] {
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const preamble = new Uint8Array(10 + header.length);
  preamble.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY v1.0
  new DataView(preamble.buffer).setUint16(8, header.length, true);
  preamble.set(new TextEncoder().encode(header), 10);
  const body = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return [preamble, littleEndian(body)];
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
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1]!.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const dataStart = start + headerLen;
  // Copy: a Node Buffer's slice() is a view whose .buffer may be a larger shared pool.
  const data = new Float32Array(new Uint8Array(bytes.subarray(dataStart)).buffer);
  return { data, shape };
}

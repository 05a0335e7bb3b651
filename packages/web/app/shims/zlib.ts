import { Inflate } from 'pako';
import { unavailable } from './memory-files.js';

/**
 * node:zlib's inflateSync on pako (the zlib algorithm in JavaScript): same bytes out, and the same
 * refusals — a corrupt stream throws, and output beyond `maxOutputLength` throws a RangeError as
 * Node's does, as soon as it is reached (a small stream cannot make a huge buffer first). The PNG
 * and TIFF decoders rely on both.
 */
export function inflateSync(input: Uint8Array, options: { maxOutputLength?: number } = {}): Uint8Array {
  const limit = options.maxOutputLength ?? Number.POSITIVE_INFINITY;
  const chunks: Uint8Array[] = [];
  let total = 0;
  const inflator = new Inflate();
  inflator.onData = (chunk: Uint8Array) => {
    total += chunk.length;
    if (total > limit) throw new RangeError('Cannot create a Buffer larger than maxOutputLength');
    chunks.push(chunk);
  };
  inflator.push(input, true);
  if (inflator.err) throw Object.assign(new Error(`zlib: ${inflator.msg}`), { code: 'Z_DATA_ERROR' });
  const out = new Uint8Array(total);
  chunks.reduce((at, c) => (out.set(c, at), at + c.length), 0);
  return out;
}
export const crc32 = undefined; // the io package falls back to its own CRC-32 when zlib has none
export const deflateRawSync = unavailable('zlib.deflateRawSync');
export const createDeflateRaw = unavailable('zlib.createDeflateRaw');
export const constants = {};
export default { inflateSync, crc32, constants };

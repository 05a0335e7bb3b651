import { inflate } from 'pako';
import { unavailable } from './memory-files.js';

/**
 * node:zlib's inflateSync on pako (the zlib algorithm in JavaScript): same bytes out, and the same
 * refusals — a stream that is corrupt or ends early throws, and output beyond `maxOutputLength`
 * throws a RangeError, as Node's does (the PNG and TIFF decoders rely on both).
 */
export function inflateSync(input: Uint8Array, options: { maxOutputLength?: number } = {}): Uint8Array {
  let out: Uint8Array;
  try {
    out = inflate(input);
  } catch (e) {
    throw Object.assign(new Error(`zlib: ${String(e)}`), { code: 'Z_DATA_ERROR' });
  }
  if (options.maxOutputLength !== undefined && out.length > options.maxOutputLength)
    throw new RangeError('Cannot create a Buffer larger than maxOutputLength');
  return out;
}
export const crc32 = undefined; // the io package falls back to its own CRC-32 when zlib has none
export const deflateRawSync = unavailable('zlib.deflateRawSync');
export const createDeflateRaw = unavailable('zlib.createDeflateRaw');
export const constants = {};
export default { inflateSync, crc32, constants };

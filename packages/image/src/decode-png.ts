import { inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import type { RgbImage } from './decode-image.js';
import { checkPixelCount } from './image-limits.js';

/**
 * Decodes a PNG to RGB as Pillow's `convert('RGB')` does: alpha dropped (not blended), grey
 * replicated, 16-bit samples by Pillow's rules. The size is read from IHDR before pngjs allocates.
 * Throws plain `Error`s; `decodeImage` wraps them.
 */
export function decodePng(bytes: Uint8Array, source: string, maxPixels?: number): RgbImage {
  if (bytes.length < 24) throw new Error(`truncated PNG (${bytes.length} bytes)`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkPixelCount(v.getUint32(16), v.getUint32(20), source, maxPixels);
  if (bytes[28] === 1) checkInterlacedInflate(bytes, v);
  // skipRescale keeps raw 16-bit and low-bit-depth samples, so we can apply Pillow's own rules.
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true });
  const { width, height, depth, colorType } = png as PNG & { depth: number; colorType: number };
  const src = png.data as unknown as ArrayLike<number>;
  const toByte = pngSampleRule(depth, colorType);
  const out = new Uint8Array(width * height * 3);
  for (let p = 0, q = 0; q < out.length; p += 4, q += 3) {
    out[q] = toByte(src[p]!);
    out[q + 1] = toByte(src[p + 1]!);
    out[q + 2] = toByte(src[p + 2]!);
  }
  return { width, height, data: out };
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * pngjs bounds inflation by the header's size for plain PNGs but not for Adam7 ones, where a
 * small file could inflate to gigabytes (a zip bomb). Inflate those once with a limit first.
 */
function checkInterlacedInflate(b: Uint8Array, v: DataView): void {
  const [w, h, depth, colorType] = [v.getUint32(16), v.getUint32(20), b[24]!, b[25]!];
  const limit = 2 * (((w * depth * (CHANNELS[colorType] ?? 4) + 7) >> 3) + 1) * h + 1024;
  const idat: Uint8Array[] = [];
  for (let p = 8; p + 8 <= b.length;) {
    const len = v.getUint32(p);
    if (String.fromCharCode(b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!) === 'IDAT')
      idat.push(b.subarray(p + 8, Math.min(p + 8 + len, b.length)));
    p += 12 + len;
  }
  try {
    inflateSync(Buffer.concat(idat), { maxOutputLength: limit });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new Error(`its image data inflates to more than the ${w}×${h} header allows (a zip bomb?)`);
    // Other zlib errors: let pngjs report them as it always has.
  }
}

/** How Pillow turns one decoded sample into an 8-bit RGB value for this PNG kind. */
function pngSampleRule(depth: number, colorType: number): (v: number) => number {
  const isGray = colorType === 0 || colorType === 4;
  if (depth === 16) {
    // Pillow opens 16-bit gray as mode 'I', whose convert('RGB') clips at 255; RGB/LA/RGBA keep the high byte.
    return colorType === 0 ? (v) => (v > 255 ? 255 : v) : (v) => v >> 8;
  }
  if (depth < 8 && isGray) {
    const scale = 255 / ((1 << depth) - 1);
    return (v) => Math.round(v * scale);
  }
  return (v) => v;
}

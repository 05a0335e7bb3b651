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

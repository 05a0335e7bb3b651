import type { RgbImage } from './decode-image.js';
import { checkPixelCount } from './image-limits.js';
import { CollectRows, emitImage, type RgbRowSink } from './image-rows.js';
import { decodeVp8lRows } from './decode-vp8l.js';
import { webpDecodeRgb } from './libwebp-rgb.js';
import { vp8lPayload } from './webp-container.js';

/**
 * Decodes lossy WebP (VP8) with libwebp, as Pillow does, and lossless (VP8L) with `decodeVp8lRows`
 * (streaming, libwebp's pixels and refusals); alpha is dropped
 * (Pillow's `convert('RGB')` does not blend). Of an animation, the first frame, as Pillow's
 * WebPAnimDecoder gives it: the frame at its offset on a transparent-black canvas (a key frame is
 * never blended). Throws plain `Error`s; `decodeImage` wraps them.
 */
export function decodeWebp(b: Uint8Array, source: string, maxPixels?: number): RgbImage {
  const sink = new CollectRows();
  decodeWebpRows(b, source, maxPixels, sink);
  return sink.result();
}

/** `decodeWebp`, delivering a still image's rows as decoded (lossless) or out of libwebp's RGB buffer (lossy; no whole-image copy). */
export function decodeWebpRows(b: Uint8Array, source: string, maxPixels: number | undefined, sink: RgbRowSink): void {
  const [w, h] = webpSize(b);
  checkPixelCount(w, h, source, maxPixels);
  const frame = b[12] === 0x56 && b[15] === 0x58 && b[20]! & 0x02 ? firstFrame(b) : undefined;
  if (!frame) return decodeStill(b, sink);
  emitImage(compose(frame, w, h), sink);
}

function compose(frame: { x: number; y: number; webp: Uint8Array }, w: number, h: number): RgbImage {
  const collect = new CollectRows();
  decodeStill(frame.webp, collect);
  const img = collect.result();
  if (frame.x + img.width > w || frame.y + img.height > h) throw new Error('the first frame lies outside the canvas');
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < img.height; y++)
    out.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), ((frame.y + y) * w + frame.x) * 3);
  return { width: w, height: h, data: out };
}

/** The first ANMF frame of an animated WebP, rewrapped as a still WebP (VP8X + ALPH when it has alpha). */
function firstFrame(b: Uint8Array): { x: number; y: number; webp: Uint8Array } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let p = 12; p + 8 <= b.length;) {
    const [type, size] = [String.fromCharCode(...b.subarray(p, p + 4)), v.getUint32(p + 4, true)];
    if (type === 'ANMF') {
      if (size < 16 || p + 8 + size > b.length) throw new Error('truncated animation frame');
      const u24 = (at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
      const [x, y, fw, fh] = [u24(p + 8) * 2, u24(p + 11) * 2, u24(p + 14) + 1, u24(p + 17) + 1];
      const body = b.subarray(p + 24, p + 8 + size);
      const hasAlpha = String.fromCharCode(...body.subarray(0, 4)) === 'ALPH';
      const vp8x = new Uint8Array(18);
      vp8x.set([0x56, 0x50, 0x38, 0x58, 10, 0, 0, 0, hasAlpha ? 0x10 : 0]);
      vp8x.set(
        [(fw - 1) & 255, ((fw - 1) >> 8) & 255, (fw - 1) >> 16, (fh - 1) & 255, ((fh - 1) >> 8) & 255, (fh - 1) >> 16],
        12,
      );
      const webp = new Uint8Array(12 + vp8x.length + body.length);
      webp.set([0x52, 0x49, 0x46, 0x46]);
      new DataView(webp.buffer).setUint32(4, webp.length - 8, true);
      webp.set([0x57, 0x45, 0x42, 0x50], 8);
      webp.set(vp8x, 12);
      webp.set(body, 12 + vp8x.length);
      return { x, y, webp };
    }
    p += 8 + size + (size & 1);
  }
  throw new Error('animated WebP without frames');
}

function decodeStill(b: Uint8Array, sink: RgbRowSink): void {
  const [width, height] = webpSize(b);
  // Lossless: our streaming decoder (libwebp's holds the whole image as 4-byte ARGB).
  const lossless = vp8lPayload(b);
  if (lossless) return decodeVp8lRows(lossless, sink);
  const rgb = webpDecodeRgb(b);
  if (!rgb) throw new Error('libwebp could not decode it (corrupt or truncated)');
  // A still's VP8X canvas must equal its frame (libwebp checks), so the header's size is the image's.
  if (rgb.length !== width * height * 3) throw new Error(`libwebp returned ${rgb.length} bytes for ${width}×${height}`);
  const stride = width * 3;
  sink.start(width, height);
  for (let y = 0; y < height; y++) sink.row(y, rgb.subarray(y * stride, (y + 1) * stride));
}

/** Canvas size from the first chunk (VP8X, VP8 key frame, or VP8L), read before any decoding. */
function webpSize(b: Uint8Array): [number, number] {
  if (b.length < 30) throw new Error(`truncated WebP (${b.length} bytes)`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const chunk = String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!);
  if (chunk === 'VP8X') return [1 + (v.getUint32(24, true) & 0xffffff), 1 + (v.getUint32(27, true) & 0xffffff)];
  if (chunk === 'VP8 ') return [v.getUint16(26, true) & 0x3fff, v.getUint16(28, true) & 0x3fff];
  if (chunk === 'VP8L') {
    const bits = v.getUint32(21, true);
    return [1 + (bits & 0x3fff), 1 + ((bits >>> 14) & 0x3fff)];
  }
  throw new Error(`unknown WebP chunk '${chunk.replace(/[^ -~]/g, '?')}'`);
}

import type { RgbImage } from './decode-image.js';
import { checkPixelCount } from './image-limits.js';
import { WasmCodec, copyIn, type WasmCodecExports } from './wasm-codec.js';

/** libwebp's simple decoding API, as exported by `@cwasm/webp`. */
interface LibWebp extends WasmCodecExports {
  WebPDecodeRGBA(data: number, size: number, width: number, height: number): number;
}

const codec = new WasmCodec<LibWebp>('@cwasm/webp/webp.wasm');

/**
 * Decodes lossy (VP8) and lossless (VP8L) WebP with libwebp, as Pillow does; alpha is dropped
 * (Pillow's `convert('RGB')` does not blend). Only the first frame of an animation is read.
 * Throws plain `Error`s; `decodeImage` wraps them.
 */
export function decodeWebp(b: Uint8Array, source: string, maxPixels?: number): RgbImage {
  const [w, h] = webpSize(b);
  checkPixelCount(w, h, source, maxPixels);
  return codec.run((lib) => {
    const src = copyIn(lib, b);
    const meta = lib.malloc(8);
    let rgba = 0;
    try {
      rgba = lib.WebPDecodeRGBA(src, b.byteLength, meta, meta + 4);
      if (rgba === 0) throw new Error('libwebp could not decode it (corrupt, truncated or animated)');
      const [width, height] = new Int32Array(lib.memory.buffer, meta, 2);
      const px = new Uint8Array(lib.memory.buffer, rgba, width! * height! * 4);
      const out = new Uint8Array(width! * height! * 3);
      for (let p = 0, q = 0; q < out.length; p += 4, q += 3) {
        out[q] = px[p]!;
        out[q + 1] = px[p + 1]!;
        out[q + 2] = px[p + 2]!;
      }
      return { width: width!, height: height!, data: out };
    } finally {
      if (rgba) lib.free(rgba);
      lib.free(meta);
      lib.free(src);
    }
  });
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

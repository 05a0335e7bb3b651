import type { RgbRowSink } from './image-rows.js';
import { Vp8lBits } from './vp8l-bits.js';
import { Vp8lError } from './vp8l-huffman.js';
import { decodePixels, readEntropyCodes, ringRowsFor, subSample } from './vp8l-pixels.js';
import {
  addPixels,
  ColorIndexingTransform,
  CrossColorTransform,
  PredictorTransform,
  SubtractGreenTransform,
  type RowTransform,
} from './vp8l-transforms.js';

/** The size and alpha hint of a VP8L bitstream's header (RFC 9649 §3.2), or an error. */
export function vp8lHeader(data: Uint8Array): { width: number; height: number; br: Vp8lBits } {
  if (data.length < 5) throw new Vp8lError(`a VP8L stream of ${data.length} bytes (the header alone is 5)`);
  const br = new Vp8lBits(data);
  if (br.read(8) !== 0x2f) throw new Vp8lError('no VP8L signature (0x2f)');
  const width = br.read(14) + 1;
  const height = br.read(14) + 1;
  br.read(1); // alpha_is_used: a hint; the pixels' alpha is decoded either way
  const version = br.read(3);
  if (version !== 0) throw new Vp8lError(`VP8L version ${version} (only 0 exists)`);
  return { width, height, br };
}

/**
 * Decodes a lossless WebP bitstream (the payload of a `VP8L` chunk) to 8-bit RGB rows, alpha
 * dropped, exactly as libwebp (Pillow's decoder): the same pixels, and an error wherever libwebp
 * refuses the stream, truncation included. Streaming: the entropy-coded pixels live in a ring of
 * rows as deep as the longest backward reference (≈ 2^20 pixels), each transform keeps a row or
 * two, and the transform images (sub-sampled at least 4× each way) are held whole; so a
 * 13000×13000 image takes a few tens of MB, never its 4-byte ARGB (676 MB) as libwebp does.
 * Throws `Vp8lError` (a plain `Error`; `decodeImage` wraps it as `E_IMAGE_DECODE`).
 * @example decodeVp8lRows(chunkPayload, sink) // sink.start(w, h), then sink.row(y, rgb) h times
 */
export function decodeVp8lRows(data: Uint8Array, sink: RgbRowSink): void {
  const { width, height, br } = vp8lHeader(data);
  const subImage = (w: number, h: number): Int32Array => {
    const cacheBits = readCacheBits(br);
    const codes = readEntropyCodes(br, w, h, cacheBits);
    return decodePixels(br, w, h, codes, h, () => undefined);
  };
  // Transforms, in bitstream order; each type at most once. Colour indexing narrows the coded width.
  const transforms: RowTransform[] = [];
  let codedWidth = width;
  for (let seen = 0; br.read(1);) {
    const type = br.read(2);
    if (seen & (1 << type)) throw new Vp8lError(`transform ${type} appears twice`);
    seen |= 1 << type;
    if (type === 0 || type === 1) {
      const bits = br.read(3) + 2;
      const image = subImage(subSample(codedWidth, bits), subSample(height, bits));
      transforms.push(
        type === 0 ? new PredictorTransform(codedWidth, bits, image) : new CrossColorTransform(codedWidth, bits, image),
      );
    } else if (type === 2) {
      transforms.push(new SubtractGreenTransform(codedWidth));
    } else {
      const colors = br.read(8) + 1;
      const bits = colors > 16 ? 0 : colors > 4 ? 1 : colors > 2 ? 2 : 3;
      const palette = expandPalette(subImage(colors, 1), bits);
      transforms.push(new ColorIndexingTransform(codedWidth, bits, palette));
      codedWidth = subSample(codedWidth, bits);
    }
    if (br.overrun) throw new Vp8lError('the data ends inside a transform');
  }
  const cacheBits = readCacheBits(br);
  const codes = readEntropyCodes(br, codedWidth, height, cacheBits, subImage);
  const rgb = new Uint8Array(width * 3);
  sink.start(width, height);
  decodePixels(br, codedWidth, height, codes, ringRowsFor(codedWidth, height), (y, coded) => {
    let row = coded;
    for (let t = transforms.length - 1; t >= 0; t--) row = transforms[t]!.apply(y, row);
    argbToRgb(row, rgb, width);
    sink.row(y, rgb);
  });
}

function argbToRgb(argb: Int32Array, rgb: Uint8Array, width: number): void {
  for (let x = 0, o = 0; x < width; x++, o += 3) {
    const p = argb[x]!;
    rgb[o] = p >>> 16;
    rgb[o + 1] = p >>> 8;
    rgb[o + 2] = p;
  }
}

function readCacheBits(br: Vp8lBits): number {
  if (!br.read(1)) return 0;
  const bits = br.read(4);
  if (bits < 1 || bits > 11) throw new Vp8lError(`colour cache of ${bits} bits (1 to 11 allowed)`);
  return bits;
}

/** libwebp's `ExpandColorMap`: the delta-coded palette summed up, padded with transparent black to 2^(8 >> bits) entries. */
function expandPalette(coded: Int32Array, bits: number): Int32Array {
  const out = new Int32Array(1 << (8 >> bits));
  out[0] = coded[0]!;
  for (let i = 1; i < coded.length; i++) out[i] = addPixels(coded[i]!, out[i - 1]!);
  return out;
}

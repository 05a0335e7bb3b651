import { VggError, wrapError } from '@vggscope/core';
import type { RgbImage } from '@vggscope/core';
import { decodeBmpRows } from './decode-bmp.js';
import { decodeGifRows } from './decode-gif.js';
import { decodeJpegRows } from './decode-jpeg.js';
import { decodePngRows } from './decode-png.js';
import { decodeTiffRows } from './decode-tiff.js';
import { decodeWebpRows } from './decode-webp.js';
import { describeBytes, sniffFormat, type ImageFormat } from './image-format.js';
import { CollectRows, type RgbRowSink } from './image-rows.js';

export type { RgbImage };
export type { RgbRowSink };

export interface DecodeOptions {
  /** Refuse images with more pixels than this (`E_IMAGE_TOO_LARGE`), checked from the header before decoding. Default 178,956,970 (Pillow's). */
  readonly maxPixels?: number;
  /**
   * Pillow's `ImageFile.LOAD_TRUNCATED_IMAGES` (default `false`, as in Pillow and Keras): accept a
   * PNG or JPEG whose image data ends early, keeping what was decoded. Off, such files are refused
   * (`E_IMAGE_DECODE`, "image file is truncated") as Pillow refuses them.
   */
  readonly loadTruncatedImages?: boolean;
}

type RowDecoder = (bytes: Uint8Array, source: string, options: DecodeOptions, sink: RgbRowSink) => void;

const DECODERS = {
  png: ['PNG', decodePngRows],
  jpeg: ['JPEG', decodeJpegRows],
  gif: ['GIF', (b, s, o, sink) => decodeGifRows(b, s, o.maxPixels, sink)],
  bmp: ['BMP', (b, s, o, sink) => decodeBmpRows(b, s, o.maxPixels, sink)],
  webp: ['WebP', (b, s, o, sink) => decodeWebpRows(b, s, o.maxPixels, sink)],
  tiff: ['TIFF', (b, s, o, sink) => decodeTiffRows(b, s, o.maxPixels, sink)],
} as const satisfies Record<ImageFormat, readonly [string, RowDecoder]>;

/**
 * Decodes image bytes to RGB exactly as Pillow's `Image.open(...).convert('RGB')` does, with the
 * format taken from the bytes, never the file name: PNG, JPEG (libjpeg-turbo), GIF (first frame),
 * BMP, WebP (lossy: libwebp; lossless: ours, streaming), TIFF. No EXIF rotation (Keras' `load_img` applies none).
 * Every failure is a `VggError`: `E_IMAGE_DECODE`, or `E_IMAGE_TOO_LARGE` above `maxPixels`.
 * @example decodeImage(readFileSync('cat.jpg'), 'cat.jpg').data.length // width * height * 3
 */
export function decodeImage(bytes: Uint8Array, source = 'image', options: DecodeOptions = {}): RgbImage {
  const sink = new CollectRows();
  decodeImageRows(bytes, source, options, sink);
  return sink.result();
}

/**
 * `decodeImage`, delivering rows to `sink` as they are decoded instead of returning the image:
 * PNG streams (memory for a row, not the image), JPEG rows are read out of the codec's memory.
 */
export function decodeImageRows(bytes: Uint8Array, source: string, options: DecodeOptions, sink: RgbRowSink): void {
  const format = sniffFormat(bytes);
  if (!format) {
    throw new VggError(
      'E_IMAGE_DECODE',
      `${source}: not an image this tool reads: ${describeBytes(bytes)}; supported are PNG, JPEG, GIF, BMP, WebP and TIFF`,
    );
  }
  const [name, decode] = DECODERS[format];
  try {
    decode(bytes, source, options, sink);
  } catch (e) {
    if (e instanceof VggError) throw e;
    // Decoders fail with RangeError/TypeError on truncated buffers, wasm traps, their own refusals: all one kind to the user.
    const cause = e instanceof Error ? e : new Error(String(e));
    throw wrapError('E_IMAGE_DECODE', `${source}: corrupt or unsupported ${name}`, cause);
  }
}

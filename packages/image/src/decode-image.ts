import { VggError, wrapError } from '@vggscope/core';
import type { RgbImage } from '@vggscope/core';
import { decodeBmp } from './decode-bmp.js';
import { decodeGif } from './decode-gif.js';
import { decodeJpeg } from './decode-jpeg.js';
import { decodePng } from './decode-png.js';
import { decodeTiff } from './decode-tiff.js';
import { decodeWebp } from './decode-webp.js';
import { describeBytes, sniffFormat, type ImageFormat } from './image-format.js';

export type { RgbImage };

export interface DecodeOptions {
  /** Refuse images with more pixels than this (`E_IMAGE_TOO_LARGE`), checked from the header before decoding. Default 178,956,970 (Pillow's). */
  readonly maxPixels?: number;
}

type Decoder = (bytes: Uint8Array, source: string, maxPixels?: number) => RgbImage;

const DECODERS = {
  png: ['PNG', decodePng],
  jpeg: ['JPEG', decodeJpeg],
  gif: ['GIF', decodeGif],
  bmp: ['BMP', decodeBmp],
  webp: ['WebP', decodeWebp],
  tiff: ['TIFF', decodeTiff],
} as const satisfies Record<ImageFormat, readonly [string, Decoder]>;

/**
 * Decodes image bytes to RGB exactly as Pillow's `Image.open(...).convert('RGB')` does, with the
 * format taken from the bytes, never the file name: PNG, JPEG (libjpeg-turbo), GIF (first frame),
 * BMP, WebP (libwebp), TIFF (8-bit). No EXIF rotation (Keras' `load_img` applies none).
 * Every failure is a `VggError`: `E_IMAGE_DECODE`, or `E_IMAGE_TOO_LARGE` above `maxPixels`.
 * @example decodeImage(readFileSync('cat.jpg'), 'cat.jpg').data.length // width * height * 3
 */
export function decodeImage(bytes: Uint8Array, source = 'image', options: DecodeOptions = {}): RgbImage {
  const format = sniffFormat(bytes);
  if (!format) {
    throw new VggError(
      'E_IMAGE_DECODE',
      `${source}: not an image this tool reads: ${describeBytes(bytes)}; supported are PNG, JPEG, GIF, BMP, WebP and TIFF`,
    );
  }
  const [name, decode] = DECODERS[format];
  try {
    return decode(bytes, source, options.maxPixels);
  } catch (e) {
    if (e instanceof VggError) throw e;
    // Decoders fail with RangeError/TypeError on truncated buffers, strings (utif2), wasm traps: all one kind to the user.
    throw wrapError(
      'E_IMAGE_DECODE',
      `${source}: corrupt or unsupported ${name}`,
      e instanceof Error ? e : new Error(String(e)),
    );
  }
}

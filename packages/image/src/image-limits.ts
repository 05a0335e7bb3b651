import { VggError } from '@vggscope/core';

/** Pillow's `Image.MAX_IMAGE_PIXELS`: above it Pillow warns (DecompressionBombWarning). */
export const PILLOW_WARN_PIXELS = 89_478_485;
/** Pillow refuses images above twice its limit (DecompressionBombError); our default `maxPixels`. */
export const DEFAULT_MAX_PIXELS = 2 * PILLOW_WARN_PIXELS;

/**
 * The decompression-bomb guard, called with the size read from the file's header **before** any
 * pixel buffer is allocated: above `maxPixels` → `E_IMAGE_TOO_LARGE`; between Pillow's warning
 * limit and the default maximum, a process warning like Pillow's.
 */
export function checkPixelCount(width: number, height: number, source: string, maxPixels = DEFAULT_MAX_PIXELS): void {
  // A plain Error: decodeImage wraps it as E_IMAGE_DECODE naming the format.
  if (!(width >= 1 && height >= 1)) throw new Error(`the header gives no pixels (${width}×${height})`);
  const pixels = width * height;
  if (pixels > maxPixels) {
    throw new VggError(
      'E_IMAGE_TOO_LARGE',
      `${source}: ${width}×${height} = ${pixels.toLocaleString('en-US')} pixels exceeds the limit of ${maxPixels.toLocaleString('en-US')} ` +
        `(a decompression-bomb guard, as in Pillow); raise it with --max-pixels (maxPixels) if the image is trusted`,
    );
  }
  if (pixels > PILLOW_WARN_PIXELS && maxPixels === DEFAULT_MAX_PIXELS) {
    process.emitWarning(
      `${source}: ${width}×${height} = ${pixels} pixels exceeds Pillow's limit of ${PILLOW_WARN_PIXELS}; it may be a decompression bomb`,
      'DecompressionBombWarning',
    );
  }
}

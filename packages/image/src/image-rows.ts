import type { RgbImage } from '@vggscope/core';

/**
 * Where a decoder delivers an image: its size first, then each row of 8-bit RGB once, top to
 * bottom. A row view is valid only during the call. Streaming rows lets `loadImg` keep only what
 * the resize reads, so a large image never exists whole in memory when its decoder streams (PNG).
 */
export interface RgbRowSink {
  /**
   * Pillow's mode for the image, told (before `start`) by decoders whose mode Pillow cannot convert
   * to `L` as it converts RGB: so far `'LAB'`, which `convert('L')` refuses.
   */
  pillowMode?(mode: 'LAB'): void;
  start(width: number, height: number): void;
  row(y: number, rgb: Uint8Array): void;
}

/** Feeds a whole decoded image to a sink, row by row. */
export function emitImage(img: RgbImage, sink: RgbRowSink): void {
  sink.start(img.width, img.height);
  const stride = img.width * 3;
  for (let y = 0; y < img.height; y++) sink.row(y, img.data.subarray(y * stride, (y + 1) * stride));
}

/**
 * A sink that keeps every row: the whole image, as `decodeImage` returns it. The buffer is made when
 * the first row arrives, so a file whose data cannot fill one row costs no image-sized allocation.
 */
export class CollectRows implements RgbRowSink {
  private image: { width: number; height: number; data: Uint8Array } | undefined;
  private rows = 0;

  start(width: number, height: number): void {
    this.image = { width, height, data: new Uint8Array(0) };
  }

  row(y: number, rgb: Uint8Array): void {
    const img = this.image!;
    if (img.data.length === 0) img.data = new Uint8Array(img.width * img.height * 3);
    img.data.set(rgb.subarray(0, img.width * 3), y * img.width * 3);
    this.rows++;
  }

  result(): RgbImage {
    if (!this.image || this.rows !== this.image.height)
      throw new Error(`decoder delivered ${this.rows} of ${this.image?.height ?? '?'} rows`);
    return this.image;
  }
}

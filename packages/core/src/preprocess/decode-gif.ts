import { GifReader } from 'omggif';
import type { RgbImage } from './decode-image.js';
import { checkPixelCount } from './image-limits.js';
import { pillowPalette } from './palette.js';

/**
 * Decodes a GIF's first frame to RGB as Pillow 9.4 does (`Image.open(f).convert('RGB')` sees frame 0):
 * the canvas is the logical screen; outside the frame's rectangle it holds index 0, or the frame's
 * transparent index; every index, transparent or not, maps through the frame's palette (local, else
 * global; indices past its end keep Pillow's grey ramp) to its RGB colour.
 * Throws plain `Error`s; `decodeImage` wraps them.
 */
export function decodeGif(b: Uint8Array, source: string, maxPixels?: number): RgbImage {
  if (b.length < 13) throw new Error(`truncated GIF (${b.length} bytes)`);
  const width = b[6]! | (b[7]! << 8);
  const height = b[8]! | (b[9]! << 8);
  checkPixelCount(width, height, source, maxPixels);
  // omggif maps indices through the palette bytes in the buffer; decode a copy whose palette
  // entries hold their own index, so the blit yields indices and we apply Pillow's palette rules.
  const copy = new Uint8Array(b);
  const reader = new GifReader(copy);
  if (reader.numFrames() < 1) throw new Error('GIF has no image');
  const frame = reader.frameInfo(0);
  const { palette_offset: at, palette_size: size } = frame;
  if (at === null || size === null) throw new Error('GIF without a colour table is not supported');
  if (frame.x + frame.width > width || frame.y + frame.height > height) throw new Error('GIF frame extends past the logical screen');
  checkPixelCount(frame.width, frame.height, source, maxPixels);
  if (at + size * 3 > b.length) throw new Error('truncated GIF colour table');
  const pal = pillowPalette(size, (i) => [b[at + i * 3]!, b[at + i * 3 + 1]!, b[at + i * 3 + 2]!]);
  for (let i = 0; i < size; i++) copy.fill(i, at + i * 3, at + i * 3 + 3);
  const fill = frame.transparent_index ?? 0;
  // omggif skips transparent pixels when blitting; Pillow keeps their index.
  (frame as { transparent_index: number | null }).transparent_index = null;
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < rgba.length; p += 4) rgba[p] = fill;
  reader.decodeAndBlitFrameRGBA(0, rgba);
  const out = new Uint8Array(width * height * 3);
  for (let p = 0, q = 0; q < out.length; p += 4, q += 3) {
    const i = rgba[p]! * 3;
    out[q] = pal[i]!;
    out[q + 1] = pal[i + 1]!;
    out[q + 2] = pal[i + 2]!;
  }
  return { width, height, data: out };
}

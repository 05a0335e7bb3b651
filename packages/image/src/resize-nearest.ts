import type { RgbImage } from './decode-image.js';
import type { Box, PixelBuffer } from './resample.js';

/**
 * Source indices Pillow's NEAREST resize picks along one axis: the pixel-centre position starts at
 * start + scale/2 and is *accumulated* in double precision (`xo += a[0]` in libImaging's
 * ImagingScaleAffine), then truncated. Accumulating (instead of computing (i + 0.5)·scale)
 * reproduces Pillow's rounding. `start`/`end` are the resize box along this axis.
 * @example nearestIndices(7, 3) // [1, 3, 5]
 * @example nearestIndices(3, 7) // [0, 0, 1, 1, 1, 2, 2]
 */
export function nearestIndices(srcSize: number, dstSize: number, start = 0, end = srcSize): Int32Array {
  const scale = (end - start) / dstSize;
  const out = new Int32Array(dstSize);
  let pos = start + scale * 0.5;
  for (let i = 0; i < dstSize; i++) {
    out[i] = Math.min(Math.trunc(pos), srcSize - 1);
    pos += scale;
  }
  return out;
}

/**
 * Squashes (no crop, no aspect kept) to width × height like `img.resize((w, h), Image.NEAREST, box)`.
 * Works on RGB images and on 1- or 3-channel pixel buffers.
 */
export function resizeNearest<T extends RgbImage | PixelBuffer>(img: T, width: number, height: number, box?: Box): T {
  const [x0, y0, x1, y1] = box ?? [0, 0, img.width, img.height];
  if (img.width === width && img.height === height && x0 === 0 && y0 === 0 && x1 === width && y1 === height) return img;
  const ch = 'channels' in img ? img.channels : 3;
  const xs = nearestIndices(img.width, width, x0, x1);
  const ys = nearestIndices(img.height, height, y0, y1);
  const out = new Uint8Array(width * height * ch);
  let q = 0;
  for (let y = 0; y < height; y++) {
    const row = ys[y]! * img.width;
    for (let x = 0; x < width; x++) {
      const p = (row + xs[x]!) * ch;
      for (let c = 0; c < ch; c++) out[q++] = img.data[p + c]!;
    }
  }
  return { ...img, width, height, data: out };
}

import type { RgbImage } from './decode-image.js';

/**
 * Source indices Pillow's NEAREST resize picks along one axis: the pixel-centre position starts at
 * scale/2 and is *accumulated* in double precision (`xo += a[0]` in libImaging's ImagingScaleAffine),
 * then truncated. Accumulating (instead of computing (i + 0.5)·scale) reproduces Pillow's rounding.
 * @example nearestIndices(7, 3) // [1, 3, 5]
 * @example nearestIndices(3, 7) // [0, 0, 1, 1, 1, 2, 2]
 */
export function nearestIndices(srcSize: number, dstSize: number): Int32Array {
  const scale = srcSize / dstSize;
  const out = new Int32Array(dstSize);
  let pos = scale * 0.5;
  for (let i = 0; i < dstSize; i++) {
    out[i] = Math.min(Math.trunc(pos), srcSize - 1);
    pos += scale;
  }
  return out;
}

/** Squashes (no crop, no aspect kept) to width × height like `img.resize((w, h), Image.NEAREST)`. */
export function resizeNearest(img: RgbImage, width: number, height: number): RgbImage {
  if (img.width === width && img.height === height) return img;
  const xs = nearestIndices(img.width, width);
  const ys = nearestIndices(img.height, height);
  const out = new Uint8Array(width * height * 3);
  let q = 0;
  for (let y = 0; y < height; y++) {
    const row = ys[y]! * img.width;
    for (let x = 0; x < width; x++) {
      const p = (row + xs[x]!) * 3;
      out[q++] = img.data[p]!;
      out[q++] = img.data[p + 1]!;
      out[q++] = img.data[p + 2]!;
    }
  }
  return { width, height, data: out };
}

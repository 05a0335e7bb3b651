import type { RgbImage } from './decode-image.js';

/**
 * Pillow's `convert('L')` from RGB (libImaging/Convert.c `rgb2l`, ITU-R 601-2 luma in 16-bit fixed
 * point, rounded): L = (19595·R + 38470·G + 7471·B + 0x8000) >> 16. Grey decoded as RGB (R=G=B)
 * round-trips exactly, since the weights sum to 65536.
 * @example rgbToLuma({ width: 1, height: 1, data: new Uint8Array([255, 0, 0]) }) // [76]
 */
export function rgbToLuma(img: RgbImage): Uint8Array {
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  const d = img.data;
  for (let p = 0, i = 0; p < n; p++, i += 3)
    out[p] = (d[i]! * 19595 + d[i + 1]! * 38470 + d[i + 2]! * 7471 + 0x8000) >>> 16;
  return out;
}

/** Grey → RGB by replication, as VGG needs three channels. */
export function lumaToRgb(gray: Uint8Array): Uint8Array {
  const out = new Uint8Array(gray.length * 3);
  for (let p = 0, q = 0; p < gray.length; p++, q += 3) out[q] = out[q + 1] = out[q + 2] = gray[p]!;
  return out;
}

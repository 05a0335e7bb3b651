import UTIF from 'utif2';
import type { RgbImage } from './decode-image.js';
import { checkPixelCount } from './image-limits.js';
import { pillowPalette } from './palette.js';

const tag = (ifd: UTIF.IFD, n: number): number | undefined => (ifd[`t${n}`] as number[] | undefined)?.[0];

/**
 * Decodes the first image of an 8-bit TIFF (RGB, RGBA, grey, palette; uncompressed, LZW, deflate,
 * PackBits, with or without the horizontal predictor) with utif2, then applies Pillow's
 * `convert('RGB')` rules: WhiteIsZero grey is inverted, alpha dropped, palette entries `>> 8`.
 * Throws plain `Error`s (utif2 may throw strings); `decodeImage` wraps them.
 */
export function decodeTiff(b: Uint8Array, source: string, maxPixels?: number): RgbImage {
  const buf = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  const ifd = UTIF.decode(buf)[0];
  if (!ifd) throw new Error('TIFF has no image directory');
  const width = tag(ifd, 256) ?? 0;
  const height = tag(ifd, 257) ?? 0;
  checkPixelCount(width, height, source, maxPixels);
  const bps = tag(ifd, 258) ?? 1;
  const spp = tag(ifd, 277) ?? 1;
  const photometric = tag(ifd, 262) ?? -1;
  if (bps !== 8) throw new Error(`unsupported TIFF: ${bps} bits per sample (8-bit TIFFs are supported)`);
  if ((tag(ifd, 284) ?? 1) !== 1) throw new Error('unsupported TIFF: planar configuration 2 (separate planes)');
  const kinds: Record<number, number[]> = { 0: [1, 2], 1: [1, 2], 2: [3, 4], 3: [1] };
  if (!kinds[photometric]?.includes(spp)) throw new Error(`unsupported TIFF: photometric ${photometric} with ${spp} samples per pixel`);
  UTIF.decodeImage(buf, ifd);
  const data = ifd.data;
  if (!data || data.length < width * height * spp) throw new Error('truncated or corrupt TIFF image data');
  const out = new Uint8Array(width * height * 3);
  const map = ifd['t320'] as number[] | undefined;
  if (photometric === 3 && (!map || map.length < 768)) throw new Error('TIFF palette image without a colour map');
  const pal = photometric === 3 ? pillowPalette(256, (i) => [map![i]! >> 8, map![256 + i]! >> 8, map![512 + i]! >> 8]) : undefined;
  for (let p = 0, s = 0, q = 0; p < width * height; p++, s += spp, q += 3) {
    if (photometric === 2) {
      out[q] = data[s]!;
      out[q + 1] = data[s + 1]!;
      out[q + 2] = data[s + 2]!;
    } else if (pal) {
      out.set(pal.subarray(data[s]! * 3, data[s]! * 3 + 3), q);
    } else {
      const g = photometric === 0 ? 255 - data[s]! : data[s]!;
      out[q] = out[q + 1] = out[q + 2] = g;
    }
  }
  return { width, height, data: out };
}

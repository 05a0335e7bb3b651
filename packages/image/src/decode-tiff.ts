import { inflateSync } from 'node:zlib';
import type { RgbImage } from './decode-image.js';
import { checkPixelCount } from './image-limits.js';
import { pillowPalette } from './palette.js';
import { decodeTiffLzw } from './tiff-lzw.js';

type Ifd = Map<number, number[]>;

const TYPE_SIZES: Record<number, number> = { 1: 1, 3: 2, 4: 4, 6: 1, 7: 1, 8: 2, 9: 4, 16: 8 };
const MAX_VALUES = 1 << 24;
const COMPRESSION_NAMES: Record<number, string> = {
  1: 'none',
  5: 'LZW',
  8: 'deflate',
  32946: 'deflate',
  32773: 'PackBits',
};

/**
 * Decodes the first image of an 8-bit strip TIFF (RGB, RGBA, grey, palette; uncompressed, LZW,
 * deflate, PackBits; horizontal predictor) and applies Pillow's `convert('RGB')` rules: WhiteIsZero
 * grey is inverted, alpha dropped, palette entries `>> 8`. Written here, bounds-checked, after
 * fuzzing showed utif2 hanging on corrupt LZW data and crashing V8 on huge tag counts.
 * Throws plain `Error`s; `decodeImage` wraps them.
 */
export function decodeTiff(b: Uint8Array, source: string, maxPixels?: number): RgbImage {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = b[0] === 0x49;
  const ifd = readFirstIfd(b, v, le);
  const get = (tag: number, dflt?: number): number => {
    const x = ifd.get(tag)?.[0] ?? dflt;
    if (x === undefined) throw new Error(`TIFF is missing tag ${tag}`);
    return x;
  };
  const width = get(256);
  const height = get(257);
  checkPixelCount(width, height, source, maxPixels);
  const bps = ifd.get(258) ?? [1];
  const spp = get(277, 1);
  const photometric = get(262);
  const compression = get(259, 1);
  const predictor = get(317, 1);
  if (!COMPRESSION_NAMES[compression])
    throw new Error(`unsupported TIFF compression ${compression} (none, LZW, deflate and PackBits are supported)`);
  if (!bps.every((x) => x === 8))
    throw new Error(`unsupported TIFF: ${bps[0]} bits per sample (8-bit TIFFs are supported)`);
  if (get(284, 1) !== 1) throw new Error('unsupported TIFF: planar configuration 2 (separate planes)');
  if (ifd.has(322)) throw new Error('unsupported TIFF: tiled layout');
  if (predictor !== 1 && predictor !== 2) throw new Error(`unsupported TIFF predictor ${predictor}`);
  const kinds: Record<number, number[]> = { 0: [1, 2], 1: [1, 2], 2: [3, 4], 3: [1] };
  if (!kinds[photometric]?.includes(spp))
    throw new Error(`unsupported TIFF: photometric ${photometric} with ${spp} samples per pixel`);

  const rowBytes = width * spp;
  const pixels = readStrips(b, ifd, compression, rowBytes, height, get(278, height));
  if (predictor === 2) {
    for (let y = 0; y < height; y++)
      for (let i = y * rowBytes + spp; i < (y + 1) * rowBytes; i++) pixels[i] = (pixels[i]! + pixels[i - spp]!) & 255;
  }
  const map = ifd.get(320);
  if (photometric === 3 && (!map || map.length < 768)) throw new Error('TIFF palette image without a colour map');
  const pal =
    photometric === 3
      ? pillowPalette(256, (i) => [map![i]! >> 8, map![256 + i]! >> 8, map![512 + i]! >> 8])
      : undefined;
  const out = new Uint8Array(width * height * 3);
  for (let p = 0, s = 0, q = 0; p < width * height; p++, s += spp, q += 3) {
    if (photometric === 2) {
      out[q] = pixels[s]!;
      out[q + 1] = pixels[s + 1]!;
      out[q + 2] = pixels[s + 2]!;
    } else if (pal) {
      const i = pixels[s]! * 3;
      out[q] = pal[i]!;
      out[q + 1] = pal[i + 1]!;
      out[q + 2] = pal[i + 2]!;
    } else {
      out[q] = out[q + 1] = out[q + 2] = photometric === 0 ? 255 - pixels[s]! : pixels[s]!;
    }
  }
  return { width, height, data: out };
}

/** The first IFD's numeric tags, every count and offset checked against the file's length. */
function readFirstIfd(b: Uint8Array, v: DataView, le: boolean): Ifd {
  if (b.length < 8) throw new Error(`truncated TIFF (${b.length} bytes)`);
  const at = v.getUint32(4, le);
  if (at + 2 > b.length) throw new Error('TIFF directory offset is past the end of the file');
  const count = v.getUint16(at, le);
  if (at + 2 + count * 12 > b.length) throw new Error('truncated TIFF directory');
  const ifd: Ifd = new Map();
  for (let i = 0; i < count; i++) {
    const e = at + 2 + i * 12;
    const [id, type, n] = [v.getUint16(e, le), v.getUint16(e + 2, le), v.getUint32(e + 4, le)];
    const size = TYPE_SIZES[type];
    if (!size || n === 0) continue; // ASCII, rationals, floats: nothing decoding needs
    const off = size * n <= 4 ? e + 8 : v.getUint32(e + 8, le);
    if (n > MAX_VALUES || off + size * n > b.length)
      throw new Error(`TIFF tag ${id} claims ${n} values past the end of the file`);
    const read =
      size === 1
        ? (p: number) => b[p]!
        : size === 2
          ? (p: number) => v.getUint16(p, le)
          : size === 4
            ? (p: number) => v.getUint32(p, le)
            : (p: number) => Number(v.getBigUint64(p, le));
    ifd.set(
      id,
      Array.from({ length: n }, (_, j) => read(off + j * size)),
    );
  }
  return ifd;
}

/** Decompresses every strip into one buffer of `height` rows; short strips are an error, as in libtiff. */
function readStrips(
  b: Uint8Array,
  ifd: Ifd,
  compression: number,
  rowBytes: number,
  height: number,
  rowsPerStrip: number,
): Uint8Array {
  const offsets = ifd.get(273);
  const counts = ifd.get(279);
  if (!offsets || !counts || offsets.length !== counts.length)
    throw new Error('TIFF strip offsets/byte counts missing or inconsistent');
  const rps = Math.max(1, Math.min(rowsPerStrip, height));
  const strips = Math.ceil(height / rps);
  if (offsets.length < strips) throw new Error(`TIFF has ${offsets.length} strips, needs ${strips}`);
  const out = new Uint8Array(rowBytes * height);
  for (let s = 0; s < strips; s++) {
    const want = rowBytes * Math.min(rps, height - s * rps);
    const [off, len] = [offsets[s]!, counts[s]!];
    if (off + len > b.length) throw new Error(`TIFF strip ${s} is past the end of the file (truncated)`);
    const raw = b.subarray(off, off + len);
    const data =
      compression === 1
        ? raw
        : compression === 5
          ? decodeTiffLzw(raw, want)
          : compression === 32773
            ? unpackBits(raw, want)
            : inflateSync(raw, { maxOutputLength: want + 1024 });
    if (data.length < want)
      throw new Error(`TIFF strip ${s} holds ${data.length} bytes, needs ${want} (truncated or corrupt)`);
    out.set(data.subarray(0, want), s * rps * rowBytes);
  }
  return out;
}

/** PackBits (Apple RLE), stopping once `want` bytes are out. */
function unpackBits(src: Uint8Array, want: number): Uint8Array {
  const out = new Uint8Array(want);
  let o = 0;
  for (let i = 0; i < src.length && o < want;) {
    const n = (src[i++]! << 24) >> 24;
    if (n >= 0) {
      const len = Math.min(n + 1, want - o, src.length - i);
      out.set(src.subarray(i, i + len), o);
      i += n + 1;
      o += len;
    } else if (n !== -128) {
      const len = Math.min(1 - n, want - o);
      out.fill(src[i++] ?? 0, o, o + len);
      o += len;
    }
  }
  return out.subarray(0, o);
}

import { inflateSync } from 'node:zlib';
import { decodeCcitt } from './tiff-ccitt.js';
import { decodeTiffLzw } from './tiff-lzw.js';

/** Where the samples are and how they are stored: what `readTiffSamples` needs from the directory. */
export interface TiffLayout {
  readonly width: number;
  readonly height: number;
  readonly samples: number;
  readonly bits: number;
  readonly planar: boolean;
  readonly compression: number;
  readonly predictor: number;
  readonly littleEndian: boolean;
  /** T4Options and FillOrder, for CCITT data (libtiff reverses a fill-order-2 bit stream before decoding it). */
  readonly ccitt?: { readonly t4Options: number; readonly fillOrder: number };
  /** Strips (rows per strip) or tiles (tile width × height), with their offsets and byte counts. */
  readonly blocks: { offsets: number[]; counts: number[]; tileWidth?: number; tileHeight: number };
}

/**
 * Decompresses every strip or tile (none, LZW, deflate, PackBits; horizontal predictor) into one
 * chunky buffer of `height` rows of `ceil(width · samples · bits / 8)` bytes, planes interleaved.
 * A block shorter than it must be is an error, as in libtiff.
 */
export function readTiffSamples(b: Uint8Array, l: TiffLayout): Uint8Array {
  const planes = l.planar ? l.samples : 1;
  const perPlane = l.planar ? 1 : l.samples;
  const bw = l.blocks.tileWidth ?? l.width;
  const bh = Math.max(1, Math.min(l.blocks.tileHeight, l.blocks.tileWidth ? l.blocks.tileHeight : l.height));
  const across = Math.ceil(l.width / bw);
  const down = Math.ceil(l.height / bh);
  const blockRowBytes = Math.ceil((bw * perPlane * l.bits) / 8);
  const planeRowBytes = Math.ceil((l.width * perPlane * l.bits) / 8);
  if (l.blocks.offsets.length < across * down * planes)
    throw new Error(`TIFF has ${l.blocks.offsets.length} strips/tiles, needs ${across * down * planes}`);
  if (l.planar && l.bits % 8) throw new Error(`unsupported TIFF: ${l.bits}-bit samples in separate planes`);
  const planeData = Array.from({ length: planes }, () => new Uint8Array(0));
  const plane = (p: number) =>
    planeData[p]!.length ? planeData[p]! : (planeData[p] = new Uint8Array(planeRowBytes * l.height));
  for (let p = 0, i = 0; p < planes; p++) {
    for (let ty = 0; ty < down; ty++) {
      for (let tx = 0; tx < across; tx++, i++) {
        const rows = l.blocks.tileWidth ? bh : Math.min(bh, l.height - ty * bh);
        const block = decompress(b, l, l.blocks.offsets[i]!, l.blocks.counts[i]!, blockRowBytes * rows, i, bw);
        if (l.predictor === 2) undoPredictor(block, blockRowBytes, rows, perPlane, l.bits, l.littleEndian);
        // One strip holding the whole image (or the one strip asked for): it is the result, no second copy.
        if (planes === 1 && across === 1 && down === 1 && !l.blocks.tileWidth && rows === l.height) return block;
        copyBlock(block, blockRowBytes, plane(p), planeRowBytes, tx * blockRowBytes, ty * bh, rows, l.height);
      }
    }
  }
  return planes === 1
    ? plane(0)
    : interleave(
        planeData.map((_, p) => plane(p)),
        l.width * l.height,
        l.bits / 8,
      );
}

function decompress(
  b: Uint8Array,
  l: TiffLayout,
  off: number,
  len: number,
  want: number,
  i: number,
  width: number,
): Uint8Array {
  if (off + len > b.length) throw new Error(`TIFF strip/tile ${i} is past the end of the file (truncated)`);
  const raw = b.subarray(off, off + len);
  const rows = want / Math.ceil(width / 8);
  const data =
    l.compression >= 2 && l.compression <= 4
      ? decodeCcitt(l.ccitt?.fillOrder === 2 ? raw.map((v) => REVERSED_BITS[v]!) : raw, {
          compression: l.compression as 2 | 3 | 4,
          width,
          rows,
          t4Options: l.ccitt?.t4Options ?? 0,
        })
      : l.compression === 1
        ? raw
        : l.compression === 5
          ? decodeTiffLzw(raw, want)
          : l.compression === 32773
            ? unpackBits(raw, want)
            : inflateSync(raw, { maxOutputLength: want + 1024 });
  if (data.length < want)
    throw new Error(`TIFF strip/tile ${i} holds ${data.length} bytes, needs ${want} (truncated or corrupt)`);
  // Uncompressed data is the file's own bytes: copied only when the predictor will change them.
  return l.compression === 1 && l.predictor === 2 ? data.slice(0, want) : data.subarray(0, want);
}

/** libtiff's horAcc8/16/32: each sample plus the same sample of the previous pixel, per row. */
function undoPredictor(d: Uint8Array, rowBytes: number, rows: number, spp: number, bits: number, le: boolean): void {
  if (bits !== 8 && bits !== 16 && bits !== 32) throw new Error(`unsupported TIFF: predictor with ${bits}-bit samples`);
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const size = bits / 8;
  const mask = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  const get =
    size === 1
      ? (p: number) => d[p]!
      : size === 2
        ? (p: number) => v.getUint16(p, le)
        : (p: number) => v.getUint32(p, le);
  const set =
    size === 1
      ? (p: number, x: number) => (d[p] = x)
      : size === 2
        ? (p: number, x: number) => v.setUint16(p, x, le)
        : (p: number, x: number) => v.setUint32(p, x, le);
  const stride = spp * size;
  for (let y = 0; y < rows; y++) {
    const end = y * rowBytes + Math.floor(rowBytes / size) * size;
    for (let p = y * rowBytes + stride; p + size <= end; p += size) set(p, ((get(p) + get(p - stride)) & mask) >>> 0);
  }
}

function copyBlock(
  src: Uint8Array,
  srcRow: number,
  dst: Uint8Array,
  dstRow: number,
  x: number,
  y0: number,
  rows: number,
  height: number,
): void {
  const n = Math.min(srcRow, dstRow - x);
  for (let r = 0; r < rows && y0 + r < height; r++)
    dst.set(src.subarray(r * srcRow, r * srcRow + n), (y0 + r) * dstRow + x);
}

function interleave(planes: Uint8Array[], pixels: number, size: number): Uint8Array {
  const out = new Uint8Array(pixels * planes.length * size);
  const step = planes.length * size;
  planes.forEach((plane, s) => {
    for (let p = 0; p < pixels; p++) for (let k = 0; k < size; k++) out[p * step + s * size + k] = plane[p * size + k]!;
  });
  return out;
}

/** Each byte with its bit order reversed (TIFF FillOrder 2). */
export const REVERSED_BITS = Uint8Array.from({ length: 256 }, (_, i) => {
  let r = 0;
  for (let k = 0; k < 8; k++) if (i & (1 << k)) r |= 1 << (7 - k);
  return r;
});

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

import type { RgbImage } from './decode-image.js';
import { checkPixelCount } from './image-limits.js';
import { CollectRows, type RgbRowSink } from './image-rows.js';
import { pillowPalette } from './palette.js';

/** What `convert('RGB')` makes of one stored pixel, for the raw layouts Pillow 9.4's BMP plugin accepts. */
type Layout = 'palette' | 'BGR' | 'BGRX' | 'XBGR' | 'ABGR' | 'RGBA' | 'BGR;15' | 'BGR;16';

const MASKS_32: Record<string, Layout> = {
  'ff0000,ff00,ff,0': 'BGRX',
  'ff000000,ff0000,ff00,0': 'XBGR',
  'ff000000,ff0000,ff00,ff': 'ABGR',
  'ff,ff00,ff0000,ff000000': 'RGBA',
  'ff0000,ff00,ff,ff000000': 'BGRX', // BGRA: alpha is dropped by convert('RGB')
  '0,0,0,0': 'BGRX',
};
const MASKS_16: Record<string, Layout> = { 'f800,7e0,1f': 'BGR;16', '7c00,3e0,1f': 'BGR;15' };

/**
 * Decodes an uncompressed, bit-field or RLE8/RLE4 BMP (1/4/8-bit palette, 16, 24, 32-bit; Windows v3–v5 and
 * OS/2 v1 headers) following Pillow 9.4's BmpImagePlugin, so pixels equal Pillow's `convert('RGB')`.
 * Throws plain `Error`s; `decodeImage` wraps them.
 */
export function decodeBmp(b: Uint8Array, source: string, maxPixels?: number): RgbImage {
  const sink = new CollectRows();
  decodeBmpRows(b, source, maxPixels, sink);
  return sink.result();
}

/** `decodeBmp`, delivering rows as they are unpacked (memory: the file and one row, plus the indices of an RLE file). */
export function decodeBmpRows(b: Uint8Array, source: string, maxPixels: number | undefined, sink: RgbRowSink): void {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  need(b, 18);
  let offset = v.getUint32(10, true);
  const headerSize = v.getUint32(14, true);
  need(b, 14 + headerSize);
  let width: number,
    height: number,
    bits: number,
    compression = 0,
    colors = 0,
    topDown = false,
    palPad = 4;
  let masks: number[] = [];
  if (headerSize === 12) {
    [width, height, bits] = [v.getUint16(18, true), v.getUint16(20, true), v.getUint16(24, true)];
    palPad = 3;
  } else if ([40, 64, 108, 124].includes(headerSize)) {
    topDown = b[25] === 0xff;
    width = v.getUint32(18, true);
    height = topDown ? 2 ** 32 - v.getUint32(22, true) : v.getUint32(22, true);
    bits = v.getUint16(28, true);
    compression = v.getUint32(30, true);
    colors = v.getUint32(46, true);
    if (compression === 3) {
      const at = headerSize >= 52 ? 54 : 14 + headerSize;
      need(b, at + (headerSize >= 52 ? 16 : 12));
      masks = [0, 1, 2, 3].map((i) => (i < 3 || headerSize >= 52 ? v.getUint32(at + i * 4, true) : 0));
    }
  } else {
    throw new Error(`unsupported BMP header type (${headerSize})`);
  }
  if (width > 0x7fffffff || height > 0x7fffffff) throw new Error(`bad BMP size ${width}×${height}`);
  checkPixelCount(width, height, source, maxPixels);
  colors ||= 2 ** bits;
  if (offset === 14 + headerSize && bits <= 8) offset += 4 * colors; // Pillow's fix-up for a missing palette offset

  let layout: Layout;
  if (bits <= 8 && [1, 4, 8].includes(bits)) layout = 'palette';
  else if (compression === 3) {
    const key = masks
      .slice(0, bits === 32 ? 4 : 3)
      .map((m) => (m >>> 0).toString(16))
      .join(',');
    const found =
      bits === 32
        ? MASKS_32[key]
        : bits === 16
          ? MASKS_16[key]
          : bits === 24 && key === 'ff0000,ff00,ff'
            ? 'BGR'
            : undefined;
    if (!found) throw new Error('unsupported BMP bitfields layout');
    layout = found;
  } else if (compression === 0) {
    layout =
      bits === 24
        ? 'BGR'
        : bits === 32
          ? 'BGRX'
          : bits === 16
            ? 'BGR;15'
            : (() => {
                throw new Error(`unsupported BMP pixel depth (${bits})`);
              })();
  } else if ((compression === 1 && bits === 8) || (compression === 2 && bits === 4)) {
    layout = 'palette';
  } else {
    throw new Error(`unsupported BMP compression (${compression})`);
  }

  let pal: Uint8Array | undefined;
  if (layout === 'palette') {
    if (!(colors > 0 && colors <= 65536)) throw new Error(`unsupported BMP palette size (${colors})`);
    // Pillow reads up to 65,536 entries but its palette holds 256: loading then fails ("invalid palette size").
    if (colors > 256) throw new Error(`invalid palette size (${colors} entries, at most 256)`);
    const palAt = 14 + headerSize + (compression === 3 && headerSize < 52 ? 12 : 0);
    need(b, palAt + Math.min(colors, 256) * palPad);
    pal = pillowPalette(colors, (i) => [
      b[palAt + i * palPad + 2]!,
      b[palAt + i * palPad + 1]!,
      b[palAt + i * palPad]!,
    ]);
  }
  sink.start(width, height);
  const row = new Uint8Array(width * 3);
  if (compression === 1 || compression === 2) {
    const idx = decodeRle(b, offset, width, height, compression === 2);
    for (let y = 0; y < height; y++) {
      const at = (topDown ? y : height - 1 - y) * width;
      for (let x = 0; x < width; x++) row.set(pal!.subarray(idx[at + x]! * 3, idx[at + x]! * 3 + 3), x * 3);
      sink.row(y, row);
    }
    return;
  }
  const stride = ((width * bits + 31) >>> 3) & ~3;
  // Pillow's raw decoder needs each row's pixels, not the padding after the last one.
  need(b, offset + stride * (height - 1) + Math.ceil((width * bits) / 8));
  for (let y = 0; y < height; y++) {
    const at = offset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) unpackPixel(b, at, x, bits, layout, pal, row, x * 3);
    sink.row(y, row);
  }
}

function unpackPixel(
  b: Uint8Array,
  row: number,
  x: number,
  bits: number,
  layout: Layout,
  pal: Uint8Array | undefined,
  out: Uint8Array,
  q: number,
): void {
  switch (layout) {
    case 'palette': {
      const bit = x * bits;
      const idx = (b[row + (bit >> 3)]! >> (8 - bits - (bit & 7))) & ((1 << bits) - 1);
      out[q] = pal![idx * 3]!;
      out[q + 1] = pal![idx * 3 + 1]!;
      out[q + 2] = pal![idx * 3 + 2]!;
      return;
    }
    case 'BGR':
    case 'BGRX': {
      const p = row + x * (layout === 'BGR' ? 3 : 4);
      out[q] = b[p + 2]!;
      out[q + 1] = b[p + 1]!;
      out[q + 2] = b[p]!;
      return;
    }
    case 'XBGR':
    case 'ABGR': {
      const p = row + x * 4;
      out[q] = b[p + 3]!;
      out[q + 1] = b[p + 2]!;
      out[q + 2] = b[p + 1]!;
      return;
    }
    case 'RGBA': {
      const p = row + x * 4;
      out[q] = b[p]!;
      out[q + 1] = b[p + 1]!;
      out[q + 2] = b[p + 2]!;
      return;
    }
    default: {
      // Pillow's ImagingUnpackBGR15/16: each field scaled with integer `v * 255 / max`.
      const px = b[row + x * 2]! | (b[row + x * 2 + 1]! << 8);
      const wide = layout === 'BGR;16';
      out[q] = Math.trunc((((px >> (wide ? 11 : 10)) & 31) * 255) / 31);
      out[q + 1] = wide ? Math.trunc((((px >> 5) & 63) * 255) / 63) : Math.trunc((((px >> 5) & 31) * 255) / 31);
      out[q + 2] = Math.trunc(((px & 31) * 255) / 31);
    }
  }
}

/**
 * Pillow 9.4's `BmpRleDecoder`, step for step: rows of palette indices in file order (bottom-up
 * unless the height was negative). Data that ends before every pixel is set is an error
 * ("not enough image data"), as in Pillow.
 */
function decodeRle(b: Uint8Array, at: number, width: number, height: number, rle4: boolean): Uint8Array {
  const total = width * height;
  const data = new Uint8Array(total + 256); // runs may overshoot the last row a little
  let n = 0;
  let x = 0;
  const push = (v: number, count: number) => {
    const k = Math.max(0, Math.min(count, data.length - n));
    data.fill(v, n, n + k);
    n += count;
  };
  let p = at;
  while (n < total) {
    if (p + 2 > b.length) break;
    const count = b[p++]!;
    const byte = b[p++]!;
    if (count) {
      const run = x + count > width ? Math.max(0, width - x) : count;
      if (rle4) for (let i = 0; i < run; i++) push(i % 2 === 0 ? byte >> 4 : byte & 15, 1);
      else push(byte, run);
      x += run;
    } else if (byte === 0) {
      if (n % width) push(0, width - (n % width));
      x = 0;
    } else if (byte === 1) {
      break;
    } else if (byte === 2) {
      // Pillow 9.4 reads the delta's two bytes, then two more, and moves by the second pair.
      if (p + 2 > b.length) break;
      p += 2;
      if (p + 2 > b.length) throw new Error('BMP RLE delta cut short (not enough values to unpack)');
      push(0, b[p]! + b[p + 1]! * width);
      p += 2;
      x = n % width;
    } else {
      const byteCount = rle4 ? byte >> 1 : byte;
      const got = Math.min(byteCount, b.length - p);
      for (let i = 0; i < got; i++) {
        const v = b[p + i]!;
        if (rle4) {
          push(v >> 4, 1);
          push(v & 15, 1);
        } else push(v, 1);
      }
      p += got;
      if (got < byteCount) break;
      x += byte;
      if (p % 2 !== 0) p++; // Pillow aligns the file position to a 16-bit word
    }
  }
  if (n < total)
    throw new Error(`BMP RLE data ends after ${Math.min(n, total)} of ${total} pixels (not enough image data)`);
  return data.subarray(0, total);
}

function need(b: Uint8Array, n: number): void {
  if (b.length < n) throw new Error(`truncated BMP (${b.length} bytes, needs ${n})`);
}

import type { RgbImage } from './decode-image.js';
import { checkPixelCount } from './image-limits.js';
import { CollectRows, type RgbRowSink } from './image-rows.js';
import { pillowPalette } from './palette.js';

/**
 * Decodes a GIF's first frame to RGB as Pillow 9.4 does (`Image.open(f).convert('RGB')` sees frame 0):
 * the canvas is the logical screen, grown to hold the frame if it reaches past it; outside the frame
 * it holds index 0, or the transparent index; every index, transparent or not, maps through the
 * frame's palette (local, else global; indices past its end keep Pillow's grey ramp).
 * Written here, bounds-checked, after fuzzing showed omggif's LZW looping forever on corrupt data.
 * Throws plain `Error`s; `decodeImage` wraps them.
 */
export function decodeGif(b: Uint8Array, source: string, maxPixels?: number): RgbImage {
  const sink = new CollectRows();
  decodeGifRows(b, source, maxPixels, sink);
  return sink.result();
}

/** `decodeGif`, delivering rows as they are converted. */
export function decodeGifRows(b: Uint8Array, source: string, maxPixels: number | undefined, sink: RgbRowSink): void {
  const u16 = (p: number) => need(b, p + 2) && b[p]! | (b[p + 1]! << 8);
  const screenW = u16(6);
  const screenH = u16(8);
  checkPixelCount(screenW, screenH, source, maxPixels);
  const flags = b[10]!;
  let p = 13;
  let globalPal: [number, number] | undefined; // offset, entries
  if (flags & 0x80) {
    globalPal = [p, 2 << (flags & 7)];
    p += globalPal[1] * 3;
  }
  let transparent: number | undefined;
  for (;;) {
    need(b, p + 1);
    const block = b[p++]!;
    if (block === 0x3b) throw new Error('GIF has no image');
    if (block === 0x21) {
      const label = b[p++];
      if (label === 0xf9 && b[p] === 4 && need(b, p + 5) && b[p + 1]! & 1) transparent = b[p + 4]!;
      p = skipSubBlocks(b, p);
    } else if (block === 0x2c) {
      break;
    } else {
      throw new Error(`unknown GIF block 0x${block.toString(16)}`);
    }
  }
  const [fx, fy, fw, fh] = [u16(p), u16(p + 2), u16(p + 4), u16(p + 6)];
  const fflags = b[p + 8]!;
  p += 9;
  let pal = globalPal;
  if (fflags & 0x80) {
    pal = [p, 2 << (fflags & 7)];
    p += pal[1] * 3;
  }
  need(b, p + 1);
  const width = Math.max(screenW, fx + fw);
  const height = Math.max(screenH, fy + fh);
  checkPixelCount(width, height, source, maxPixels);
  const minCodeSize = b[p++]!;
  if (minCodeSize < 1 || minCodeSize > 11) throw new Error(`bad GIF LZW code size ${minCodeSize}`);
  const data = collectSubBlocks(b, p);
  const indices = decodeGifLzw(data, minCodeSize, fw * fh);
  if (indices.length < fw * fh) throw new Error(`GIF image data is truncated (${indices.length} of ${fw * fh} pixels)`);
  const rows = fflags & 0x40 ? interlacedRows(fh) : undefined;

  const palette = pal
    ? pillowPalette(pal[1], (i) => [b[pal[0] + i * 3]!, b[pal[0] + i * 3 + 1]!, b[pal[0] + i * 3 + 2]!])
    : pillowPalette(0, () => [0, 0, 0]); // no colour table: Pillow opens it as L, the index is the grey level
  if (pal) need(b, pal[0] + pal[1] * 3);
  const canvas = new Uint8Array(width * height).fill(transparent ?? 0);
  for (let r = 0; r < fh; r++) {
    const y = fy + (rows ? rows[r]! : r);
    canvas.set(indices.subarray(r * fw, (r + 1) * fw), y * width + fx);
  }
  // Rows go out one at a time: memory is the indices and the canvas, a third of the RGB image each.
  sink.start(width, height);
  const row = new Uint8Array(width * 3);
  for (let y = 0, i = 0; y < height; y++) {
    for (let q = 0; q < row.length; i++, q += 3) {
      const c = canvas[i]! * 3;
      row[q] = palette[c]!;
      row[q + 1] = palette[c + 1]!;
      row[q + 2] = palette[c + 2]!;
    }
    sink.row(y, row);
  }
}

function need(b: Uint8Array, n: number): true {
  if (b.length < n) throw new Error(`truncated GIF (${b.length} bytes)`);
  return true;
}

function skipSubBlocks(b: Uint8Array, p: number): number {
  for (;;) {
    need(b, p + 1);
    const n = b[p++]!;
    if (n === 0) return p;
    p += n;
  }
}

function collectSubBlocks(b: Uint8Array, p: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (;;) {
    if (p >= b.length) break; // truncated: decode what is there, the pixel count decides
    const n = b[p++]!;
    if (n === 0) break;
    parts.push(b.subarray(p, Math.min(p + n, b.length)));
    p += n;
  }
  return Buffer.concat(parts);
}

/** Row order of an interlaced frame: every 8th from 0, every 8th from 4, every 4th from 2, every 2nd from 1. */
function interlacedRows(h: number): Int32Array {
  const rows = new Int32Array(h);
  let r = 0;
  for (const [start, step] of [
    [0, 8],
    [4, 8],
    [2, 4],
    [1, 2],
  ] as const)
    for (let y = start; y < h; y += step) rows[r++] = y;
  return rows;
}

/** GIF LZW (LSB-first, variable width up to 12 bits), bounded to `want` indices; a code past the table is an error. */
export function decodeGifLzw(src: Uint8Array, minCodeSize: number, want: number): Uint8Array {
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  const out = new Uint8Array(want);
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const length = new Int32Array(4096);
  const first = new Uint8Array(4096);
  for (let i = 0; i < clear; i++) [suffix[i], length[i], first[i], prefix[i]] = [i, 1, i, -1];
  let next = eoi + 1;
  let width = minCodeSize + 1;
  let prev = -1;
  let o = 0;
  let bits = 0;
  let acc = 0;
  let p = 0;
  while (o < want) {
    while (bits < width && p < src.length) {
      acc |= src[p++]! << bits;
      bits += 8;
    }
    if (bits < width) break;
    const code = acc & ((1 << width) - 1);
    acc >>>= width;
    bits -= width;
    if (code === clear) {
      [next, width, prev] = [eoi + 1, minCodeSize + 1, -1];
      continue;
    }
    if (code === eoi) break;
    if (prev === -1) {
      if (code >= clear) throw new Error('GIF LZW code not in table');
      out[o++] = code;
      prev = code;
      continue;
    }
    if (code > next || (code === next && next >= 4096)) throw new Error('GIF LZW code not in table');
    if (next < 4096) {
      prefix[next] = prev;
      suffix[next] = code < next ? first[code]! : first[prev]!;
      length[next] = length[prev]! + 1;
      first[next] = first[prev]!;
      next++;
      if (next === 1 << width && width < 12) width++;
    }
    const len = length[code]!;
    let c = code;
    for (let q = o + len - 1; q >= o; q--, c = prefix[c]!) if (q < want) out[q] = suffix[c]!;
    o = Math.min(want, o + len);
    prev = code;
  }
  return out.subarray(0, o);
}

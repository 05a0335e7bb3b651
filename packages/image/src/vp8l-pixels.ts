import type { Vp8lBits } from './vp8l-bits.js';
import { readPrefixCode, readSymbol, Vp8lError, type PrefixCode } from './vp8l-huffman.js';

/** The five prefix codes of a meta code: green + length prefixes + cache indices, red, blue, alpha, distance. */
export type CodeGroup = readonly [PrefixCode, PrefixCode, PrefixCode, PrefixCode, PrefixCode];

/** The entropy-coded image's codes: one group, or one per tile of the entropy image (meta prefix codes). */
export interface EntropyCodes {
  readonly groups: readonly (CodeGroup | undefined)[];
  /** Group index per tile, or undefined for a single group. */
  readonly tiles?: Int32Array;
  readonly tileBits: number;
  readonly cacheBits: number;
}

const NUM_LITERALS = 256;
const NUM_LENGTHS = 24;
const NUM_DISTANCES = 40;
/** libwebp's kCodeToPlane: distance codes 1..120 as (dy << 4) | (8 - dx). */
const CODE_TO_PLANE = [
  0x18, 0x07, 0x17, 0x19, 0x28, 0x06, 0x27, 0x29, 0x16, 0x1a, 0x26, 0x2a, 0x38, 0x05, 0x37, 0x39, 0x15, 0x1b, 0x36,
  0x3a, 0x25, 0x2b, 0x48, 0x04, 0x47, 0x49, 0x14, 0x1c, 0x35, 0x3b, 0x46, 0x4a, 0x24, 0x2c, 0x58, 0x45, 0x4b, 0x34,
  0x3c, 0x03, 0x57, 0x59, 0x13, 0x1d, 0x56, 0x5a, 0x23, 0x2d, 0x44, 0x4c, 0x55, 0x5b, 0x33, 0x3d, 0x68, 0x02, 0x67,
  0x69, 0x12, 0x1e, 0x66, 0x6a, 0x22, 0x2e, 0x54, 0x5c, 0x43, 0x4d, 0x65, 0x6b, 0x32, 0x3e, 0x78, 0x01, 0x77, 0x79,
  0x53, 0x5d, 0x11, 0x1f, 0x64, 0x6c, 0x42, 0x4e, 0x76, 0x7a, 0x21, 0x2f, 0x75, 0x7b, 0x31, 0x3f, 0x63, 0x6d, 0x52,
  0x5e, 0x00, 0x74, 0x7c, 0x41, 0x4f, 0x10, 0x20, 0x62, 0x6e, 0x30, 0x73, 0x7d, 0x51, 0x5f, 0x40, 0x72, 0x7e, 0x61,
  0x6f, 0x50, 0x71, 0x7f, 0x60, 0x70,
];
/** The largest backward distance a code can give (a distance code of 2^20, past the 120 plane codes). */
const MAX_CODED_DISTANCE = (1 << 20) - 120;
const MAX_COPY_LENGTH = 4096;

export const subSample = (size: number, bits: number) => (size + (1 << bits) - 1) >> bits;

/** The prefix codes of an entropy-coded image (RFC 9649 §3.7.2.2; libwebp's `ReadHuffmanCodes`). */
export function readEntropyCodes(
  br: Vp8lBits,
  width: number,
  height: number,
  cacheBits: number,
  readImage?: (w: number, h: number) => Int32Array,
): EntropyCodes {
  let tiles: Int32Array | undefined;
  let tileBits = 0;
  let numGroups = 1;
  if (readImage && br.read(1)) {
    tileBits = br.read(3) + 2;
    tiles = readImage(subSample(width, tileBits), subSample(height, tileBits));
    for (let i = 0; i < tiles.length; i++) {
      const g = (tiles[i]! >>> 8) & 0xffff;
      tiles[i] = g;
      if (g >= numGroups) numGroups = g + 1;
    }
  }
  if (br.overrun) throw new Vp8lError('the data ends before the prefix codes');
  // A group no tile names is read and validated, as libwebp does, but not kept.
  // TODO: a table is 256 entries at least, so a hostile file naming 65,536 groups costs ~335 MB of
  // tables (as in libwebp); root tables sized to the longest code would bound it.
  let used: Uint8Array | undefined;
  if (tiles) {
    used = new Uint8Array(numGroups);
    for (let i = 0; i < tiles.length; i++) used[tiles[i]!] = 1;
  }
  const green = NUM_LITERALS + NUM_LENGTHS + (cacheBits > 0 ? 1 << cacheBits : 0);
  const sizes = [green, NUM_LITERALS, NUM_LITERALS, NUM_LITERALS, NUM_DISTANCES];
  const groups: (CodeGroup | undefined)[] = [];
  for (let g = 0; g < numGroups; g++) {
    const keep = !used || used[g] === 1;
    const codes = sizes.map((n) => readPrefixCode(br, n, keep));
    groups.push(keep ? (codes as unknown as CodeGroup) : undefined);
  }
  return { groups, tiles, tileBits, cacheBits };
}

/**
 * Decodes `width`×`height` entropy-coded pixels (literals, backward references, colour-cache hits)
 * into a ring of `ringRows` rows, calling `onRow(y, row)` as each row completes (the view is valid
 * until `ringRows` more rows are decoded). A backward reference reaches at most
 * `max(2^20 − 120, 7·width + 8)` pixels back, so `ringRows` of `ringRowsFor(width, height)`
 * suffices; a reference before the first pixel, or a copy past the last, is an error (libwebp's).
 */
export function decodePixels(
  br: Vp8lBits,
  width: number,
  height: number,
  codes: EntropyCodes,
  ringRows: number,
  onRow: (y: number, row: Int32Array) => void,
): Int32Array {
  const ring = new Int32Array(ringRows * width);
  const capacity = ring.length;
  const total = width * height;
  const cacheBits = codes.cacheBits;
  const cache = cacheBits > 0 ? new Int32Array(1 << cacheBits) : undefined;
  const cacheShift = 32 - cacheBits;
  const { groups, tiles, tileBits } = codes;
  const tilesPerRow = subSample(width, tileBits);
  const lengthLimit = NUM_LITERALS + NUM_LENGTHS;
  let [p, x, y, w] = [0, 0, 0, 0]; // pixel, column, row, ring position
  let group = groups[0]!;
  const endRow = () => {
    onRow(y, ring.subarray((y % ringRows) * width, ((y % ringRows) + 1) * width));
    if (br.overrun) throw new Vp8lError(`the data ends in row ${y} of ${height}`);
    y++;
  };
  while (p < total) {
    if (tiles) group = groups[tiles[(y >> tileBits) * tilesPerRow + (x >> tileBits)]!]!;
    const code = readSymbol(group[0], br);
    if (code < NUM_LITERALS || code >= lengthLimit) {
      let argb: number;
      if (code < NUM_LITERALS) {
        const red = readSymbol(group[1], br);
        const blue = readSymbol(group[2], br);
        const alpha = readSymbol(group[3], br);
        argb = (alpha << 24) | (red << 16) | (code << 8) | blue;
      } else {
        argb = cache![code - lengthLimit]!;
      }
      ring[w] = argb;
      if (cache) cache[Math.imul(argb, 0x1e35a7bd) >>> cacheShift] = argb;
      p++;
      if (++w === capacity) w = 0;
      if (++x === width) {
        x = 0;
        endRow();
      }
      continue;
    }
    const length = copyAmount(code - NUM_LITERALS, br);
    const distCode = copyAmount(readSymbol(group[4], br), br);
    const dist = planeDistance(width, distCode);
    if (br.overrun) throw new Vp8lError(`the data ends at pixel ${p}`);
    if (dist > p) throw new Vp8lError(`a backward reference ${dist} pixels back at pixel ${p}`);
    if (length > total - p) throw new Vp8lError(`a copy of ${length} pixels at pixel ${p} runs past the image`);
    let from = w - dist;
    if (from < 0) from += capacity;
    for (let i = 0; i < length; i++) {
      const argb = ring[from]!;
      ring[w] = argb;
      if (cache) cache[Math.imul(argb, 0x1e35a7bd) >>> cacheShift] = argb;
      if (++w === capacity) w = 0;
      if (++from === capacity) from = 0;
    }
    p += length;
    x += length;
    while (x >= width) {
      x -= width;
      endRow();
    }
  }
  if (br.overrun) throw new Vp8lError('the data ends before the last pixel');
  return ring;
}

/** Rows a ring must hold so that every backward reference and every copy's completed rows stay in it. */
export function ringRowsFor(width: number, height: number): number {
  const reach = Math.max(MAX_CODED_DISTANCE, 7 * width + 8) + MAX_COPY_LENGTH;
  return Math.min(height, Math.ceil(reach / width) + 1);
}

/** A length or distance from its prefix symbol and extra bits (RFC 9649 §3.6.2; `GetCopyDistance`). */
function copyAmount(symbol: number, br: Vp8lBits): number {
  if (symbol < 4) return symbol + 1;
  const extra = (symbol - 2) >> 1;
  return ((2 + (symbol & 1)) << extra) + br.read(extra) + 1;
}

function planeDistance(width: number, code: number): number {
  if (code > 120) return code - 120;
  const plane = CODE_TO_PLANE[code - 1]!;
  const dist = (plane >> 4) * width + 8 - (plane & 0xf);
  return dist >= 1 ? dist : 1;
}

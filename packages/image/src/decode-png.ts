import type { RgbImage } from './decode-image.js';
import { checkPixelCount } from './image-limits.js';
import { CollectRows, type RgbRowSink } from './image-rows.js';
import { pillowPalette } from './palette.js';
import {
  callChunk,
  checkCrc,
  checkFdat,
  DATA_CHUNKS,
  PngRefusal,
  readChunkHeader,
  safeRead,
  type Chunk,
  type PngState,
} from './png-chunks.js';
import { PngRows } from './png-rows.js';
import { inflateWhole, InflatedRows } from './png-whole-inflate.js';
import { ZlibInflate } from './zlib-stream.js';

/** Pillow's `ImageFile.decodermaxblock`: how much image data `load()` hands the decoder at a time. */
const DECODER_MAX_BLOCK = 65536;

export interface PngDecodeOptions {
  readonly maxPixels?: number;
  /** Pillow's `ImageFile.LOAD_TRUNCATED_IMAGES`: keep the rows decoded before the data ran out (the rest black). */
  readonly loadTruncatedImages?: boolean;
  /** `false`: never the one-call inflate of png-whole-inflate.ts, always row by row (tests compare the two). */
  readonly wholeInflate?: boolean;
}

/** The whole image; see `decodePngRows`. */
export function decodePng(bytes: Uint8Array, source: string, options: PngDecodeOptions = {}): RgbImage {
  const sink = new CollectRows();
  decodePngRows(bytes, source, options, sink);
  return sink.result();
}

/**
 * Decodes a PNG's first frame to RGB rows exactly as Pillow 9.4's `Image.open(f).convert('RGB')`:
 * the same chunk checks (`_open`), the same row-by-row inflate and unfiltering
 * (libImaging/ZipDecode.c), the same refusals — image data that ends before the last row is
 * "image file is truncated", never rows invented from nothing, except where Pillow itself stops
 * early (a zlib stream that ends cleanly at a row boundary: the rest black, as Pillow leaves it) — and the same conversion of every
 * mode to RGB (alpha and tRNS dropped, 16-bit grey clipped, 16-bit colour's high byte). Rows are
 * delivered as they are decoded; inflating stops where the compressed data does, so a small file
 * declaring a huge image fails after the work its data can cause. Throws `PngRefusal` (a plain
 * `Error`); `decodeImage` wraps it as `E_IMAGE_DECODE`.
 */
export function decodePngRows(bytes: Uint8Array, source: string, options: PngDecodeOptions, sink: RgbRowSink): void {
  // The size is checked as soon as IHDR is read (Pillow checks after `_open`; the refusal is the same).
  const { st, tile } = openPng(bytes, (w, h) => checkPixelCount(w, h, source, options.maxPixels));
  const palette = st.mode === 'P' ? pngPalette(st.palette) : undefined;
  const rows = new PngRows(st, tile.bbox, palette, sink);
  const truncated = (why: string) => {
    if (!options.loadTruncatedImages) throw new PngRefusal(`image file is truncated (${why})`);
  };
  const reader = new DataReader(bytes, st, tile.data, tile.length);
  const whole = options.wholeInflate === false ? undefined : inflateWhole(bytes, st, tile, rows.rowBytes);
  if (whole) {
    if (rows.feed(new InflatedRows(whole.rows)) !== 'done') throw new Error('PNG: whole-image inflate left rows');
    reader.skipTo(whole.end);
  } else inflateRowByRow(reader, rows, truncated);
  rows.finish();
  reader.loadEnd();
}

/** ImagingZipDecode's loop: `decodermaxblock` bytes of data at a time, inflated row by row. */
function inflateRowByRow(reader: DataReader, rows: PngRows, truncated: (why: string) => void): void {
  const z = new ZlibInflate();
  for (;;) {
    const s = reader.read(DECODER_MAX_BLOCK);
    if (s.length === 0) {
      truncated(`the image data ends after ${rows.rowsDone} of ${rows.rowsNeeded} rows`);
      break;
    }
    z.setInput(s);
    const state = rows.feed(z);
    if (state === 'done') break;
    // ZipDecode.c ends the image without error when the inflate call that completes a row also
    // reaches the end of the zlib stream (its Adler-32 checked): the rows not decoded stay as Pillow's
    // image memory starts, black. A stream that ends mid-row, or whose end is only reached by a later
    // call (its trailer in the next chunk), leaves the decoder wanting data: "image file is truncated".
    if (state === 'stream-end') break;
  }
  z.end();
}

interface Tile {
  data: number;
  length: number;
  bbox?: readonly [number, number, number, number];
}

/** `PngImageFile._open`: chunk by chunk to the first image data, each CRC checked. */
function openPng(b: Uint8Array, checkSize: (width: number, height: number) => void): { st: PngState; tile: Tile } {
  const st: PngState = { width: 0, height: 0, interlaced: false, textMemory: 0 };
  let tile: Tile | undefined;
  for (let p = 8; ;) {
    const chunk = readChunkHeader(b, p);
    if (chunk.type === 'IDAT') tile = { data: chunk.pos, length: chunk.length, bbox: st.bbox };
    else if (chunk.type === 'fdAT') {
      checkFdat(st, b, chunk);
      tile = { data: chunk.pos + 4, length: chunk.length - 4, bbox: st.bbox };
    }
    if (tile || chunk.type === 'IEND') break;
    const data = callChunk(st, b, chunk);
    if (chunk.type === 'IHDR' && st.mode && st.width > 0 && st.height > 0) checkSize(st.width, st.height);
    checkCrc(b, chunk, data);
    p = chunk.pos + chunk.length + 4;
  }
  if (!st.mode) throw new PngRefusal('unsupported bit depth / colour type combination (Pillow cannot identify it)');
  if (!(st.width > 0 && st.height > 0)) throw new PngRefusal(`the header gives no pixels (${st.width}×${st.height})`);
  if (!tile) throw new PngRefusal('no image data before IEND (cannot load this image)');
  // `n_frames` as _open leaves it: an IDAT outside the animation (no fcTL before it) is one more frame.
  st.animated = (st.nFrames ?? 1) + (st.nFrames !== undefined && !tile.bbox ? 1 : 0) > 1;
  return { st, tile };
}

/** Pillow's palette for mode P: the PLTE entries over its initial grey ramp (none: the ramp itself). */
function pngPalette(plte: Uint8Array | undefined): Uint8Array {
  const entries = plte ? Math.floor(plte.length / 3) : 0;
  if (entries > 256) throw new PngRefusal(`PLTE holds ${entries} entries (at most 256)`);
  return pillowPalette(entries, (i) => [plte![i * 3]!, plte![i * 3 + 1]!, plte![i * 3 + 2]!]);
}

/** `PngImageFile.load_read` / `load_end`: image data across IDAT/fdAT chunks, then the trailing chunks. */
class DataReader {
  private pos: number;

  constructor(
    private readonly b: Uint8Array,
    private readonly st: PngState,
    start: number,
    private left: number,
  ) {
    this.pos = start;
  }

  read(max: number): Uint8Array {
    while (this.left === 0) {
      this.pos += 4; // CRC, not checked
      const chunk = readChunkHeader(this.b, this.pos);
      if (!DATA_CHUNKS.has(chunk.type)) return new Uint8Array(0);
      if (chunk.type === 'fdAT') checkFdat(this.st, this.b, chunk);
      this.pos = chunk.pos + (chunk.type === 'fdAT' ? 4 : 0);
      this.left = chunk.length - (chunk.type === 'fdAT' ? 4 : 0);
    }
    const n = Math.min(max, this.left);
    const s = this.b.subarray(this.pos, Math.min(this.pos + n, this.b.length));
    this.left -= n;
    this.pos = Math.min(this.pos + n, this.b.length);
    return s;
  }

  /** Past the image data, to the end of the data chunk ending at `end` (its CRC next). */
  skipTo(end: number): void {
    [this.pos, this.left] = [end, 0];
  }

  /** `load_end`: the chunks after the image are read with their handlers (not CRC-checked); errors refuse. */
  loadEnd(): void {
    this.pos = Math.min(this.pos + this.left, this.b.length);
    for (;;) {
      this.pos += 4;
      let chunk: Chunk;
      try {
        chunk = readChunkHeader(this.b, this.pos);
      } catch {
        return; // struct.error or SyntaxError: load_end stops quietly
      }
      if (chunk.type === 'IEND') return;
      if (chunk.type === 'fcTL' && this.st.animated) return;
      if (chunk.type === 'IDAT' || chunk.type === 'fdAT') {
        if (chunk.type === 'fdAT') checkFdat(this.st, this.b, chunk);
        const len = chunk.type === 'fdAT' ? chunk.length - 4 : chunk.length;
        safeRead(this.b, chunk.pos + (chunk.type === 'fdAT' ? 4 : 0), len);
      } else callChunk(this.st, this.b, chunk);
      this.pos = chunk.pos + chunk.length;
    }
  }
}

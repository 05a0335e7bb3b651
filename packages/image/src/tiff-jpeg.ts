import { decodeJpegRaw } from './decode-jpeg.js';

/** What `decodeJpegTiff` needs from the directory. */
export interface JpegTiffLayout {
  readonly width: number;
  readonly height: number;
  readonly tables?: number[];
  readonly blocks: { offsets: number[]; counts: number[]; tileWidth?: number; tileHeight: number };
}

/**
 * JPEG-in-TIFF (compression 7), as libtiff gives it to Pillow: each strip or tile is an abbreviated
 * JPEG stream whose tables live in the JPEGTables tag; spliced together they are a plain JPEG,
 * decoded by the same libjpeg-turbo as every JPEG. Returns the image's samples as libjpeg outputs
 * them (grey, RGB, or CMYK as stored), `components` per pixel.
 */
export function decodeJpegTiff(b: Uint8Array, l: JpegTiffLayout): { data: Uint8Array; components: number } {
  const bw = l.blocks.tileWidth ?? l.width;
  const bh = l.blocks.tileWidth ? l.blocks.tileHeight : Math.max(1, Math.min(l.blocks.tileHeight, l.height));
  const across = Math.ceil(l.width / bw);
  const down = Math.ceil(l.height / bh);
  if (l.blocks.offsets.length < across * down)
    throw new Error(`TIFF has ${l.blocks.offsets.length} strips/tiles, needs ${across * down}`);
  // JPEGTables is SOI, tables, EOI: keep all but the EOI, then the strip without its SOI.
  const tables = l.tables && l.tables.length >= 4 ? Uint8Array.from(l.tables.slice(0, -2)) : new Uint8Array(0);
  let out: Uint8Array | undefined;
  let components = 0;
  for (let ty = 0, i = 0; ty < down; ty++) {
    for (let tx = 0; tx < across; tx++, i++) {
      const [off, len] = [l.blocks.offsets[i]!, l.blocks.counts[i]!];
      if (off + len > b.length) throw new Error(`TIFF strip/tile ${i} is past the end of the file (truncated)`);
      const strip = b.subarray(off, off + len);
      const stream = tables.length ? concat(tables, strip.subarray(2)) : strip;
      // A strip's own header may not claim more than its block: the bound keeps a corrupt one small.
      const img = decodeJpegRaw(stream, `JPEG-in-TIFF strip/tile ${i}`, bw * bh);
      components ||= img.components;
      if (img.components !== components) throw new Error('JPEG-in-TIFF strips disagree on their components');
      out ??= new Uint8Array(l.width * l.height * components);
      const rows = Math.min(img.height, l.height - ty * bh);
      const cols = Math.min(img.width, l.width - tx * bw);
      for (let r = 0; r < rows; r++) {
        const src = img.data.subarray(r * img.width * components, (r * img.width + cols) * components);
        out.set(src, ((ty * bh + r) * l.width + tx * bw) * components);
      }
    }
  }
  return { data: out!, components };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

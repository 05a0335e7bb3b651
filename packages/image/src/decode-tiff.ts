import type { RgbImage } from './decode-image.js';
import { invertedCmykToRgb } from './decode-jpeg.js';
import { checkPixelCount } from './image-limits.js';
import { CollectRows, emitImage, type RgbRowSink } from './image-rows.js';
import { pillowPalette } from './palette.js';
import { labRowToSrgb } from './lcms-lab-srgb.js';
import { readFirstIfd } from './tiff-ifd.js';
import { decodeJpegTiff } from './tiff-jpeg.js';
import { readTiffSamples, REVERSED_BITS } from './tiff-layout.js';
import { ycbcrTables, ycbcrToRgb } from './tiff-ycbcr.js';

const COMPRESSIONS: Record<number, string> = {
  1: 'none',
  2: 'CCITT RLE',
  3: 'CCITT group 3',
  4: 'CCITT group 4',
  5: 'LZW',
  8: 'deflate',
  32946: 'deflate',
  32773: 'PackBits',
};
const REFUSED_COMPRESSIONS: Record<number, string> = {
  6: 'old-style JPEG',
  34712: 'JPEG 2000',
};

/**
 * Pillow 9.4's OPEN_INFO for the layouts we decode: "photometric|sample format|bits|extra samples"
 * → Pillow's raw mode (which says how `convert('RGB')` treats the samples). A layout not here is
 * refused, as Pillow refuses one not in its table ("unknown pixel mode").
 */
const RAW_MODES: Record<string, string> = {
  '0|1|1|': '1;I',
  '1|1|1|': '1',
  '0|1|2|': 'L;2I',
  '1|1|2|': 'L;2',
  '0|1|4|': 'L;4I',
  '1|1|4|': 'L;4',
  '0|1|8|': 'L;I',
  '1|1|8|': 'L',
  '0|1|16|': 'I;16',
  '1|1|16|': 'I;16',
  '1|2|16|': 'I;16S',
  '0|3|32|': 'F;32F',
  '1|1|32|': 'I;32N',
  '1|2|32|': 'I;32S',
  '1|3|32|': 'F;32F',
  '1|1|8,8|2': 'LA',
  '2|1|8,8,8|': 'RGB',
  '2|1|8,8,8,8|': 'RGBA',
  '2|1|8,8,8,8|0': 'RGBX',
  '2|1|8,8,8,8,8|0,0': 'RGBX',
  '2|1|8,8,8,8,8,8|0,0,0': 'RGBX',
  '2|1|8,8,8,8|1': 'RGBa',
  '2|1|8,8,8,8,8|1,0': 'RGBa',
  '2|1|8,8,8,8,8,8|1,0,0': 'RGBa',
  '2|1|8,8,8,8|2': 'RGBA',
  '2|1|8,8,8,8,8|2,0': 'RGBA',
  '2|1|8,8,8,8,8,8|2,0,0': 'RGBA',
  '2|1|8,8,8,8|999': 'RGBA',
  '2|1|16,16,16|': 'RGB;16',
  '2|1|16,16,16,16|': 'RGBA;16',
  '2|1|16,16,16,16|0': 'RGBA;16',
  '2|1|16,16,16,16|2': 'RGBA;16',
  '3|1|1|': 'P',
  '3|1|2|': 'P',
  '3|1|4|': 'P',
  '3|1|8|': 'P',
  '3|1|8,8|2': 'P',
  '5|1|8,8,8,8|': 'CMYK',
  '5|1|8,8,8,8,8|0': 'CMYK',
  '5|1|8,8,8,8,8,8|0,0': 'CMYK',
  '5|1|16,16,16,16|': 'CMYK;16',
  '8|1|8,8,8|': 'LAB',
};

/**
 * Decodes the first image of a TIFF or BigTIFF as Pillow 9.4 opens it and `convert('RGB')` converts
 * it: 1/2/4/8-bit grey and palette, 16- and 32-bit integer and 32-bit float grey (clipped to 0…255,
 * not scaled, as Pillow's I and F modes convert), 8/16-bit RGB(A), premultiplied alpha, CMYK; strips
 * or tiles, chunky or planar, uncompressed, LZW, deflate or PackBits, horizontal predictor. JPEG and
 * CCITT compression, 1×1 YCbCr and 8-bit CIE L*a*b* (through LittleCMS's transform, ported) are
 * read; subsampled YCbCr is refused by name (docs/images.md says why).
 * Throws plain `Error`s; `decodeImage` wraps them.
 */
export function decodeTiff(b: Uint8Array, source: string, maxPixels?: number): RgbImage {
  const sink = new CollectRows();
  decodeTiffRows(b, source, maxPixels, sink);
  return sink.result();
}

/** `decodeTiff`, converting and delivering one row at a time from the decompressed samples. */
export function decodeTiffRows(b: Uint8Array, source: string, maxPixels: number | undefined, sink: RgbRowSink): void {
  const { littleEndian, tags } = readFirstIfd(b);
  const one = (tag: number, dflt?: number): number => {
    const x = tags.get(tag)?.[0] ?? dflt;
    if (x === undefined) throw new Error(`TIFF is missing tag ${tag}`);
    return x;
  };
  const [width, height] = [one(256), one(257)];
  checkPixelCount(width, height, source, maxPixels);
  const compression = one(259, 1);
  if (REFUSED_COMPRESSIONS[compression])
    throw new Error(`${REFUSED_COMPRESSIONS[compression]}-compressed TIFF is not supported (yet); convert it to PNG`);
  if (!COMPRESSIONS[compression] && compression !== 7) throw new Error(`unsupported TIFF compression ${compression}`);
  if (compression === 7) return emitImage({ width, height, data: jpegTiffToRgb(b, tags, one, width, height) }, sink);
  const rawmode = pillowRawMode(tags, one);
  const samples = tags.get(277)?.[0] ?? 1;
  const bits = (tags.get(258) ?? [1])[0]!;
  const fillOrder = one(266, 1);
  if (fillOrder !== 1 && fillOrder !== 2) throw new Error(`unsupported TIFF fill order ${fillOrder}`);
  const predictor = one(317, 1);
  if (predictor !== 1 && predictor !== 2) throw new Error(`unsupported TIFF predictor ${predictor}`);
  const tiled = tags.has(322) || tags.has(324);
  const blocks = tiled
    ? { offsets: tags.get(324) ?? [], counts: tags.get(325) ?? [], tileWidth: one(322), tileHeight: one(323) }
    : { offsets: tags.get(273) ?? [], counts: tags.get(279) ?? [], tileHeight: one(278, height) };
  if (!blocks.offsets.length || blocks.offsets.length !== blocks.counts.length)
    throw new Error('TIFF strip/tile offsets or byte counts missing or inconsistent');
  if (tiled && !(blocks.tileWidth! > 0 && blocks.tileHeight > 0)) throw new Error('TIFF tile size is zero');
  const planar = one(284, 1) === 2 && samples > 1;
  const ccitt = compression >= 2 && compression <= 4;
  if (ccitt && (bits !== 1 || samples !== 1)) throw new Error(`CCITT-compressed TIFF with ${bits}-bit samples`);
  if (fillOrder === 2 && !ccitt && bits > 8)
    throw new Error('unsupported TIFF: fill order 2 with samples wider than a byte');
  const palette = rawmode === 'P' ? tiffPalette(tags.get(320), bits) : undefined;
  if (rawmode === 'LAB') sink.pillowMode?.('LAB');
  const layout = { width, height, samples, bits, planar, compression, predictor, littleEndian, blocks };
  const ccittOptions = { t4Options: one(292, 0), fillOrder };
  const convert = (data: Uint8Array, rows: number, to: RgbRowSink) => {
    if (fillOrder === 2 && !ccitt) {
      if (compression === 1) data = data.slice(); // the file's own bytes: never change them in place
      for (let i = 0; i < data.length; i++) data[i] = REVERSED_BITS[data[i]!]!;
    }
    if (rawmode === 'YCbCr') ycbcrRows(data, width, rows, tags, to);
    else if (rawmode === 'LAB') labRows(data, width, rows, planar, to);
    else toRgbRows(rawmode, data, width, rows, samples, bits, littleEndian, palette, to);
  };
  if (tiled || planar) return convert(readTiffSamples(b, { ...layout, ccitt: ccittOptions }), height, sink);
  // Chunky strips: one strip decompressed and converted at a time (memory: the file and one strip).
  const rps = Math.max(1, Math.min(blocks.tileHeight, height));
  const strips = Math.ceil(height / rps);
  if (blocks.offsets.length < strips) throw new Error(`TIFF has ${blocks.offsets.length} strips, needs ${strips}`);
  sink.start(width, height);
  for (let s = 0; s < strips; s++) {
    const rows = Math.min(rps, height - s * rps);
    const strip = { offsets: [blocks.offsets[s]!], counts: [blocks.counts[s]!], tileHeight: rows };
    const data = readTiffSamples(b, { ...layout, height: rows, blocks: strip, ccitt: ccittOptions });
    convert(data, rows, { start() {}, row: (y, px) => sink.row(s * rps + y, px) });
  }
}

/** JPEG-in-TIFF: libjpeg's RGB (grey replicated), or stored CMYK through Pillow's plain cmyk2rgb. */
function jpegTiffToRgb(
  b: Uint8Array,
  tags: Map<number, number[]>,
  one: (tag: number, dflt?: number) => number,
  width: number,
  height: number,
): Uint8Array {
  if (one(284, 1) === 2 && one(277, 1) > 1) throw new Error('unsupported TIFF: JPEG compression with separate planes');
  const tiled = tags.has(322) || tags.has(324);
  const blocks = tiled
    ? { offsets: tags.get(324) ?? [], counts: tags.get(325) ?? [], tileWidth: one(322), tileHeight: one(323) }
    : { offsets: tags.get(273) ?? [], counts: tags.get(279) ?? [], tileHeight: one(278, height) };
  const { data, components } = decodeJpegTiff(b, { width, height, tables: tags.get(347), blocks });
  if (components === 3) return data;
  const out = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const inv = Uint8Array.of(
      255 - data[p * 4]!,
      255 - data[p * 4 + 1]!,
      255 - data[p * 4 + 2]!,
      255 - data[p * 4 + 3]!,
    );
    out.set(invertedCmykToRgb(inv), p * 3);
  }
  return out;
}

/** YCbCr samples through libtiff's conversion (coefficients and reference black/white from the tags or libtiff's defaults). */
function ycbcrRows(d: Uint8Array, width: number, height: number, tags: Map<number, number[]>, sink: RgbRowSink): void {
  const luma = tags.get(529)?.length === 3 ? tags.get(529)! : [0.299, 0.587, 0.114];
  const refBW = tags.get(532)?.length === 6 ? tags.get(532)! : [0, 255, 128, 255, 128, 255];
  const t = ycbcrTables(luma, refBW);
  const row = new Uint8Array(width * 3);
  sink.start(width, height);
  for (let y = 0, p = 0; y < height; y++) {
    for (let q = 0; q < row.length; q += 3, p += 3) ycbcrToRgb(t, d[p]!, d[p + 1]!, d[p + 2]!, row, q);
    sink.row(y, row);
  }
}

/**
 * CIE L*a*b* samples → Pillow's "LAB" image → `convert('RGB')` through LittleCMS. Chunky samples go
 * through Pillow's "LAB" unpacker, which turns signed a/b into its unsigned form (xor 0x80); separate
 * planes are copied byte for byte by its per-band unpackers (raw "L"/"A"/"B", libtiff's "R"/"G"/"B"),
 * so their a/b bytes are taken as they are — Pillow's behaviour, reproduced.
 */
function labRows(d: Uint8Array, width: number, height: number, planar: boolean, sink: RgbRowSink): void {
  const lab = new Uint8Array(width * 3);
  const row = new Uint8Array(width * 3);
  const flip = planar ? 0 : 0x80;
  sink.start(width, height);
  for (let y = 0, p = 0; y < height; y++) {
    for (let q = 0; q < lab.length; q += 3, p += 3) {
      lab[q] = d[p]!;
      lab[q + 1] = d[p + 1]! ^ flip;
      lab[q + 2] = d[p + 2]! ^ flip;
    }
    labRowToSrgb(lab, row, width);
    sink.row(y, row);
  }
}

/** Pillow's `_setup`: photometric, sample format, bits and extra samples → its raw mode, or refuse. */
function pillowRawMode(tags: Map<number, number[]>, one: (tag: number, dflt?: number) => number): string {
  const photometric = one(262, 0);
  if (photometric === 6) {
    // Uncompressed, Pillow's own raw decoder reads 4 bytes a pixel ("RGBX") from 3-byte data and runs
    // out of file ("image file is truncated"); compressed, libtiff's RGBA interface converts it.
    if (one(259, 1) === 1) throw new Error('uncompressed YCbCr TIFF (Pillow reads it as RGBX and finds it truncated)');
    const sub = tags.get(530) ?? [2, 2];
    if (sub[0] !== 1 || sub[1] !== 1)
      throw new Error(`subsampled (${sub.join('×')}) YCbCr TIFF is not supported (yet); convert it to PNG`);
    if ((tags.get(258) ?? [1]).some((b) => b !== 8) || one(277, 1) !== 3)
      throw new Error('YCbCr TIFF other than 3 × 8-bit samples');
    return 'YCbCr';
  }
  let sampleFormat = tags.get(339) ?? [1];
  if (sampleFormat.length > 1 && sampleFormat.every((s) => s === 1)) sampleFormat = [1];
  const extra = tags.get(338) ?? [];
  let bps = tags.get(258) ?? [1];
  const samples = one(277, 1);
  if (samples > 6) throw new Error('Invalid value for samples per pixel');
  if (samples < bps.length) bps = bps.slice(0, samples);
  else if (samples > bps.length && bps.length === 1) bps = Array<number>(samples).fill(bps[0]!);
  if (bps.length !== samples) throw new Error('unknown data organization');
  const key = `${photometric}|${sampleFormat.join(',')}|${bps.join(',')}|${extra.join(',')}`;
  // Pillow's OPEN_INFO has CIE L*a*b* only as 3 × 8 bits in fill order 1 (its key includes the fill order).
  if (photometric === 8 && key === '8|1|8,8,8|' && one(266, 1) !== 1)
    throw new Error('unknown pixel mode (CIE L*a*b* with fill order 2)');
  const raw = RAW_MODES[key];
  if (!raw)
    throw new Error(
      `unknown pixel mode (photometric ${photometric}, ${bps.join('/')} bits, sample format ${sampleFormat.join('/')})`,
    );
  return raw;
}

function tiffPalette(map: number[] | undefined, bits: number): Uint8Array {
  const n = 1 << bits;
  if (!map || map.length < 3 * n) throw new Error('TIFF palette image without a complete colour map');
  // Pillow: `o8(v // 256)` for each entry, read as "RGB;L" (all reds, then greens, then blues).
  return pillowPalette(n, (i) => [map[i]! >> 8, map[n + i]! >> 8, map[2 * n + i]! >> 8]);
}

/** The samples in Pillow's raw mode → `convert('RGB')`, row by row into the sink. */
function toRgbRows(
  rawmode: string,
  d: Uint8Array,
  width: number,
  height: number,
  spp: number,
  bits: number,
  le: boolean,
  pal: Uint8Array | undefined,
  sink: RgbRowSink,
): void {
  const out = new Uint8Array(width * 3);
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const rowBytes = Math.ceil((width * spp * bits) / 8);
  const grey = (q: number, g: number) => (out[q] = out[q + 1] = out[q + 2] = g);
  sink.start(width, height);
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes;
    for (let x = 0, q = 0; x < width; x++, q += 3) {
      const p = row + x * spp * (bits >> 3);
      switch (rawmode) {
        case '1':
        case '1;I':
        case 'L;2':
        case 'L;2I':
        case 'L;4':
        case 'L;4I':
        case 'L':
        case 'L;I':
        case 'LA':
        case 'P': {
          const bit = x * spp * bits;
          const idx =
            bits === 8 ? d[row + x * spp]! : (d[row + (bit >> 3)]! >> (8 - bits - (bit & 7))) & ((1 << bits) - 1);
          if (pal) out.set(pal.subarray(idx * 3, idx * 3 + 3), q);
          else {
            const g = Math.round((idx * 255) / ((1 << bits) - 1));
            grey(q, rawmode.endsWith('I') ? 255 - g : g);
          }
          break;
        }
        case 'I;16':
          grey(q, Math.min(255, v.getUint16(p, le)));
          break;
        case 'I;16S':
          grey(q, Math.max(0, Math.min(255, v.getInt16(p, le))));
          break;
        case 'I;32N':
        case 'I;32S':
          grey(q, Math.max(0, Math.min(255, v.getInt32(p, le))));
          break;
        case 'F;32F': {
          // libImaging/Convert.c f2l: ≤ 0 → 0, ≥ 255 → 255, else truncated (NaN → 0).
          const f = v.getFloat32(p, le);
          grey(q, f <= 0 ? 0 : f >= 255 ? 255 : Number.isNaN(f) ? 0 : Math.trunc(f));
          break;
        }
        case 'RGBa': {
          // Premultiplied alpha: Pillow's unpackRGBa divides it out (integer division, 0 alpha → black).
          const a = d[p + 3]!;
          for (let c = 0; c < 3; c++)
            out[q + c] = a === 0 ? 0 : a === 255 ? d[p + c]! : Math.min(255, Math.trunc((d[p + c]! * 255) / a));
          break;
        }
        case 'RGB;16':
        case 'RGBA;16':
          for (let c = 0; c < 3; c++) out[q + c] = d[p + c * 2 + (le ? 1 : 0)]!;
          break;
        case 'CMYK':
        case 'CMYK;16': {
          const s = rawmode === 'CMYK' ? 1 : 2;
          const at = (c: number) => d[p + c * s + (s === 2 && le ? 1 : 0)]!;
          // Plain (not Adobe-inverted) CMYK: Pillow's cmyk2rgb, on samples inverted for the shared helper.
          out.set(invertedCmykToRgb(Uint8Array.of(255 - at(0), 255 - at(1), 255 - at(2), 255 - at(3))), q);
          break;
        }
        default:
          out[q] = d[p]!;
          out[q + 1] = d[p + 1]!;
          out[q + 2] = d[p + 2]!;
      }
    }
    sink.row(y, out);
  }
}

import { VggError, wrapError } from '@vggscope/core';
import type { RgbImage } from './decode-image.js';
import { checkPixelCount } from './image-limits.js';
import { CollectRows, type RgbRowSink } from './image-rows.js';
import { WasmCodec, copyIn, type WasmCodecExports } from './wasm-codec.js';

/** The TurboJPEG C API exported by `@cwasm/jpeg-turbo` (libjpeg-turbo 2.0, wasm32-wasi). */
interface TurboJpeg extends WasmCodecExports {
  tjInitDecompress(): number;
  tjDestroy(handle: number): number;
  tjDecompressHeader3(
    h: number,
    src: number,
    size: number,
    w: number,
    hgt: number,
    subsamp: number,
    colorspace: number,
  ): number;
  tjDecompress2(
    h: number,
    src: number,
    size: number,
    dst: number,
    w: number,
    pitch: number,
    hgt: number,
    pixelFormat: number,
    flags: number,
  ): number;
}

const TJPF_RGB = 0;
const TJPF_CMYK = 11;
const TJCS_CMYK = 3;
const TJCS_YCCK = 4;

const codec = new WasmCodec<TurboJpeg>('@cwasm/jpeg-turbo/jpeg-turbo.wasm');

/**
 * Decodes a JPEG with libjpeg-turbo, the library Pillow uses, with Pillow's settings (accurate
 * integer IDCT, fancy upsampling), so the pixels equal Pillow's `convert('RGB')` bit for bit.
 * 4-component (CMYK/YCCK) files are decoded to raw CMYK and converted with Pillow's own rules.
 */
export function decodeJpeg(bytes: Uint8Array, source: string, options: JpegDecodeOptions = {}): RgbImage {
  const sink = new CollectRows();
  decodeJpegRows(bytes, source, options, sink);
  return sink.result();
}

export interface JpegDecodeOptions {
  readonly maxPixels?: number;
  /** Pillow's `LOAD_TRUNCATED_IMAGES`: accept a file whose image data ends early (libjpeg fills the rest). */
  readonly loadTruncatedImages?: boolean;
}

/**
 * `decodeJpeg`, delivering the rows straight out of the codec's memory: the decoded image is never
 * copied whole into JavaScript, so peak memory is the codec's one RGB buffer.
 */
export function decodeJpegRows(bytes: Uint8Array, source: string, options: JpegDecodeOptions, sink: RgbRowSink): void {
  const sof = frameType(bytes);
  if (sof !== undefined && sof >= 0xc9 && sof <= 0xcf && sof !== 0xcc) {
    // TODO: arithmetic coding. Pillow decodes it; this libjpeg-turbo build was compiled without it.
    throw new VggError(
      'E_IMAGE_DECODE',
      `${source}: arithmetic-coded JPEG (SOF${sof - 0xc0}) is not supported (browsers cannot show these either); ` +
        're-encode it losslessly with `jpegtran -optimize in.jpg > out.jpg`',
    );
  }
  // Pillow refuses a file that ends before the decoder is done ("image file is truncated"); with no
  // EOI after the last scan that is certain, so refuse before spending time and memory decoding it.
  if (!options.loadTruncatedImages && !hasEoiAfterLastSos(bytes))
    throw new VggError(
      'E_IMAGE_DECODE',
      `${source}: corrupt or unsupported JPEG: image file is truncated (no end-of-image marker after the last scan); ` +
        "Pillow refuses it too (allow it with loadTruncatedImages, as Pillow's LOAD_TRUNCATED_IMAGES does)",
    );
  try {
    return codec.run((tj) => decodeWith(tj, bytes, source, options, sink));
  } catch (e) {
    codec.takeMessages();
    throw wrapError(
      'E_IMAGE_DECODE',
      `${source}: corrupt or unsupported JPEG`,
      isLongjmp(e) ? new Error('libjpeg-turbo stopped on a fatal error in the data', { cause: e }) : e,
    );
  }
}

/** The SOFn marker byte (0xc0…0xcf but DHT/JPG/DAC), walking the segments before the first scan. */
function frameType(b: Uint8Array): number | undefined {
  for (let p = 2; p + 4 <= b.length;) {
    if (b[p] !== 0xff) return undefined;
    const m = b[p + 1]!;
    if (m === 0xff) {
      p++;
      continue;
    }
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return m;
    if (m === 0xda) return undefined;
    p += 2 + ((b[p + 2]! << 8) | b[p + 3]!);
  }
  return undefined;
}

const isLongjmp = (e: unknown) => e instanceof Error && e.message.startsWith('codec called longjmp');

function decodeWith(
  tj: TurboJpeg,
  bytes: Uint8Array,
  source: string,
  options: JpegDecodeOptions,
  sink: RgbRowSink,
  rawCmyk = false,
): void {
  const src = copyIn(tj, bytes);
  const handle = tj.tjInitDecompress();
  const meta = tj.malloc(16);
  let dst = 0;
  try {
    if (handle === 0 || meta === 0) throw new Error('cannot start the decoder (out of wasm memory)');
    codec.takeMessages();
    if (tj.tjDecompressHeader3(handle, src, bytes.byteLength, meta, meta + 4, meta + 8, meta + 12) !== 0) {
      throw new Error(`bad header${lastMessage()}`);
    }
    const [width, height, , colorspace] = new Int32Array(tj.memory.buffer, meta, 4);
    checkPixelCount(width!, height!, source, options.maxPixels);
    const cmyk = colorspace === TJCS_CMYK || colorspace === TJCS_YCCK;
    const bpp = cmyk ? 4 : 3;
    dst = tj.malloc(width! * height! * bpp);
    if (dst === 0)
      throw new VggError('E_OUT_OF_MEMORY', `${source}: not enough wasm memory to decode a ${width}×${height} JPEG`);
    const status = tj.tjDecompress2(
      handle,
      src,
      bytes.byteLength,
      dst,
      width!,
      width! * bpp,
      height!,
      cmyk ? TJPF_CMYK : TJPF_RGB,
      0,
    );
    codec.takeMessages();
    // TurboJPEG returns -1 for libjpeg's warnings too. Pillow ignores them (corrupt data is filled
    // in by libjpeg, as here) and refuses only a file that ends early, checked before decoding.
    void status;
    const raw = new Uint8Array(tj.memory.buffer, dst, width! * height! * bpp);
    sink.start(width!, height!);
    const stride = width! * bpp;
    for (let y = 0; y < height!; y++) {
      const row = raw.subarray(y * stride, (y + 1) * stride);
      sink.row(y, cmyk && !rawCmyk ? invertedCmykToRgb(row) : row);
    }
  } finally {
    if (dst) tj.free(dst);
    if (meta) tj.free(meta);
    if (handle) tj.tjDestroy(handle);
    tj.free(src);
  }
}

/**
 * One JPEG stream's samples as libjpeg-turbo outputs them: RGB (grey replicated) or, for
 * 4-component files, the stored CMYK (no Adobe inversion applied): for JPEG-in-TIFF, whose
 * photometric tag, not the stream, says what the samples mean.
 */
export function decodeJpegRaw(
  bytes: Uint8Array,
  source: string,
  maxPixels?: number,
): { width: number; height: number; components: 3 | 4; data: Uint8Array } {
  let img: { width: number; height: number; components: 3 | 4; data: Uint8Array } | undefined;
  const sink: RgbRowSink = {
    start(width, height) {
      img = { width, height, components: 3, data: new Uint8Array(0) };
    },
    row(y, px) {
      if (!img!.data.length) {
        img!.components = px.length === img!.width * 4 ? 4 : 3;
        img!.data = new Uint8Array(img!.width * img!.height * img!.components);
      }
      img!.data.set(px, y * img!.width * img!.components);
    },
  };
  try {
    codec.run((tj) => decodeWith(tj, bytes, source, { maxPixels }, sink, true));
  } catch (e) {
    codec.takeMessages();
    throw isLongjmp(e) ? new Error(`${source}: libjpeg-turbo stopped on a fatal error in the data`, { cause: e }) : e;
  }
  return img!;
}

function hasEoiAfterLastSos(b: Uint8Array): boolean {
  let sos = -1;
  for (let i = b.length - 2; i >= 0; i--) {
    if (b[i] === 0xff && b[i + 1] === 0xda) {
      sos = i;
      break;
    }
  }
  for (let i = Math.max(sos, 0); i < b.length - 1; i++) if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
  return false;
}

function lastMessage(): string {
  const m = codec.takeMessages().trim();
  return m ? `: ${m}` : '';
}

/**
 * Pillow opens every 4-component JPEG as mode CMYK with raw mode `CMYK;I` (Adobe's inverted
 * samples), then `convert('RGB')` computes `nk − nk·c/255` per channel with nk = 255 − k, rounding
 * with its MULDIV255 macro (libImaging/Convert.c `cmyk2rgb`).
 */
export function invertedCmykToRgb(raw: Uint8Array): Uint8Array {
  const out = new Uint8Array((raw.length / 4) * 3);
  for (let p = 0, q = 0; q < out.length; p += 4, q += 3) {
    const nk = raw[p + 3]!; // 255 − k where k = 255 − stored
    out[q] = nk - mulDiv255(255 - raw[p]!, nk);
    out[q + 1] = nk - mulDiv255(255 - raw[p + 1]!, nk);
    out[q + 2] = nk - mulDiv255(255 - raw[p + 2]!, nk);
  }
  return out;
}

/** Pillow's `MULDIV255(a, b)`: a·b/255 rounded, in integers. */
function mulDiv255(a: number, b: number): number {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

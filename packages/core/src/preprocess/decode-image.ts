import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { VggError, wrapError } from '../errors.js';

/** 8-bit RGB pixels, row-major, 3 bytes a pixel. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

const MAX_PIXELS = 178_956_970; // Pillow's decompression-bomb error threshold (2 × MAX_IMAGE_PIXELS)

/**
 * Decodes PNG or JPEG bytes to RGB exactly as Pillow's `Image.open(...).convert('RGB')` does:
 * alpha is dropped (not blended), gray is replicated, 16-bit samples follow Pillow's rules,
 * no EXIF rotation (Keras' `load_img` applies none).
 */
export function decodeImage(bytes: Uint8Array, source = 'image'): RgbImage {
  if (isPng(bytes)) return decodePng(bytes, source);
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return decodeJpeg(bytes, source);
  throw new VggError(
    'E_IMAGE_DECODE',
    `${source}: not a PNG or JPEG file (first bytes ${hex(bytes.subarray(0, 4))}); convert it to PNG or JPEG first`,
  );
}

function isPng(b: Uint8Array): boolean {
  return b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ') || '(empty file)';
}

function decodePng(bytes: Uint8Array, source: string): RgbImage {
  let png: PNG;
  try {
    // skipRescale keeps raw 16-bit and low-bit-depth samples, so we can apply Pillow's own rules.
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true });
  } catch (e) {
    throw wrapError('E_IMAGE_DECODE', `${source}: corrupt or unsupported PNG`, e);
  }
  const { width, height, depth, colorType } = png as PNG & { depth: number; colorType: number };
  checkSize(width, height, source);
  const src = png.data as unknown as ArrayLike<number>;
  const toByte = pngSampleRule(depth, colorType);
  const out = new Uint8Array(width * height * 3);
  for (let p = 0, q = 0; q < out.length; p += 4, q += 3) {
    out[q] = toByte(src[p]!);
    out[q + 1] = toByte(src[p + 1]!);
    out[q + 2] = toByte(src[p + 2]!);
  }
  return { width, height, data: out };
}

/** How Pillow turns one decoded sample into an 8-bit RGB value for this PNG kind. */
function pngSampleRule(depth: number, colorType: number): (v: number) => number {
  const isGray = colorType === 0 || colorType === 4;
  if (depth === 16) {
    // Pillow opens 16-bit gray as mode 'I', whose convert('RGB') clips at 255; RGB/LA/RGBA keep the high byte.
    return colorType === 0 ? (v) => (v > 255 ? 255 : v) : (v) => v >> 8;
  }
  if (depth < 8 && isGray) {
    const scale = 255 / ((1 << depth) - 1);
    return (v) => Math.round(v * scale);
  }
  return (v) => v;
}

function decodeJpeg(bytes: Uint8Array, source: string): RgbImage {
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 2048, maxResolutionInMP: 200 });
  } catch (e) {
    throw wrapError('E_IMAGE_DECODE', `${source}: corrupt or unsupported JPEG`, e);
  }
  checkSize(img.width, img.height, source);
  const out = new Uint8Array(img.width * img.height * 3);
  for (let p = 0, q = 0; q < out.length; p += 4, q += 3) {
    out[q] = img.data[p]!;
    out[q + 1] = img.data[p + 1]!;
    out[q + 2] = img.data[p + 2]!;
  }
  return { width: img.width, height: img.height, data: out };
}

function checkSize(w: number, h: number, source: string): void {
  if (w < 1 || h < 1) throw new VggError('E_IMAGE_DECODE', `${source}: image has no pixels (${w}×${h})`);
  if (w * h > MAX_PIXELS) {
    throw new VggError('E_IMAGE_DECODE', `${source}: ${w}×${h} exceeds ${MAX_PIXELS} pixels (Pillow's bomb limit); downscale it first`);
  }
}

import { readFile } from 'node:fs/promises';
import { VggError, wrapError } from '@vggscope/core';
import type { FloatTensor, InputImageOptions } from '@vggscope/core';
import { preprocessInput } from '@vggscope/core';
import { decodeImageRows, type RgbImage } from './decode-image.js';
import { lumaToRgb } from './grayscale.js';
import { DEFAULT_MAX_PIXELS } from './image-limits.js';
import type { Box, ResampleFilter } from './resample.js';
import { ResizeRows } from './resize-rows.js';

/** Pillow's resize filters by Keras' names. */
export const INTERPOLATIONS = ['nearest', 'bilinear', 'bicubic', 'lanczos', 'box', 'hamming'] as const;
export type Interpolation = (typeof INTERPOLATIONS)[number];
export const COLOR_MODES = ['rgb', 'grayscale'] as const;
export type ColorMode = (typeof COLOR_MODES)[number];

/** The options of Keras' `load_img`, with Keras' defaults, plus the decompression-bomb limit. */
export interface LoadImageOptions {
  /** `[height, width]` like Keras' `target_size`; `null` keeps the decoded size. Default `[224, 224]`. */
  readonly targetSize?: readonly [number, number] | null;
  /** Pillow resize filter. Default `'nearest'` (Keras' default). */
  readonly interpolation?: Interpolation;
  /** Centre-crop to the target aspect ratio before resizing (Keras' `keep_aspect_ratio`). Default `false` (squash). */
  readonly keepAspectRatio?: boolean;
  /** `'rgb'` (default) or `'grayscale'` (Pillow's `convert('L')`). */
  readonly colorMode?: ColorMode;
  /** Refuse images with more pixels (`E_IMAGE_TOO_LARGE`). Default 178,956,970, where Pillow refuses. */
  readonly maxPixels?: number;
  /**
   * Pillow's `ImageFile.LOAD_TRUNCATED_IMAGES`: read PNG/JPEG files whose image data ends early,
   * keeping what was decoded. Default `false`, as in Pillow: such files are `E_IMAGE_DECODE`.
   */
  readonly loadTruncatedImages?: boolean;
}

/** An image as `load_img` returns it: RGB (`channels` 3) or grey (`channels` 1), row-major 8-bit. */
export interface LoadedImage extends RgbImage {
  readonly channels: 1 | 3;
}

/**
 * Keras `load_img(path, color_mode, target_size, interpolation, keep_aspect_ratio)`, pixel for pixel:
 * decode (format from the bytes), convert to RGB or L, then crop/resize with Pillow's filter.
 * Accepts a path or the file's bytes. The old form `loadImg(path, [h, w])` still works.
 * @example (await loadImg('cat.jpg', { targetSize: [224, 224], interpolation: 'bilinear' })).data.length // 224 * 224 * 3
 */
export async function loadImg(
  image: string | Uint8Array,
  options: LoadImageOptions | readonly [number, number] = {},
): Promise<LoadedImage> {
  const opts = normalizeOptions(isSize(options) ? { targetSize: options } : options);
  const source = typeof image === 'string' ? image : 'image bytes';
  const bytes = typeof image === 'string' ? await readImageFile(image) : image;
  return loadImgFromBytes(bytes, source, opts);
}

/**
 * The synchronous core of `loadImg`, for bytes already in memory. Rows are converted and resized
 * as the decoder delivers them, so only what the resize reads is kept (see `ResizeRows`).
 */
export function loadImgFromBytes(bytes: Uint8Array, source: string, options: LoadImageOptions = {}): LoadedImage {
  const opts = normalizeOptions(options);
  const target = opts.targetSize ? ([opts.targetSize[1], opts.targetSize[0]] as const) : undefined;
  const sink = new ResizeRows({
    channels: opts.colorMode === 'grayscale' ? 1 : 3,
    target,
    filter: opts.interpolation,
    box: opts.keepAspectRatio && target ? (w, h) => aspectCropBox(w, h, target[0], target[1]) : undefined,
  });
  decodeImageRows(bytes, source, { maxPixels: opts.maxPixels, loadTruncatedImages: opts.loadTruncatedImages }, sink);
  return sink.result();
}

/**
 * Keras' `keep_aspect_ratio` crop: the largest centred box with the target's aspect ratio, in
 * integer arithmetic exactly as `keras.utils.load_img` computes it.
 * @example aspectCropBox(451, 300, 224, 224) // [75, 0, 375, 300]
 */
export function aspectCropBox(width: number, height: number, targetW: number, targetH: number): Box {
  const cropH = Math.min(height, Math.floor((width * targetH) / targetW));
  const cropW = Math.min(width, Math.floor((height * targetW) / targetH));
  const top = Math.floor((height - cropH) / 2);
  const left = Math.floor((width - cropW) / 2);
  return [left, top, left + cropW, top + cropH];
}

/** `load_img` then `preprocess_input`: the `[1, H, W, 3]` BGR float32 input Keras feeds VGG (grey is replicated to RGB). */
export async function loadInput(
  image: string | Uint8Array,
  targetSize: readonly [number, number] = [224, 224],
  options: InputImageOptions = {},
): Promise<FloatTensor> {
  // The options arrive through core's port as plain strings; loadImg validates each one.
  const img = await loadImg(image, { ...(options as Omit<LoadImageOptions, 'targetSize'>), targetSize });
  return preprocessInput(
    img.channels === 1 ? { width: img.width, height: img.height, data: lumaToRgb(img.data) } : img,
  );
}

async function readImageFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    throw wrapError('E_IMAGE_READ', `cannot read image '${path}' (check the path)`, e);
  }
}

function isSize(o: unknown): o is readonly [number, number] {
  return Array.isArray(o);
}

/** Validates once at the public boundary; messages name the option, what was expected and what arrived. */
function normalizeOptions(
  o: LoadImageOptions,
): Required<Omit<LoadImageOptions, 'targetSize'>> & { targetSize: readonly [number, number] | null } {
  const targetSize = o.targetSize === undefined ? ([224, 224] as const) : o.targetSize;
  if (targetSize !== null && !(targetSize.length === 2 && targetSize.every((n) => Number.isInteger(n) && n >= 1))) {
    throw new VggError(
      'E_USAGE',
      `loadImg: targetSize must be [height, width] with positive integers, got ${JSON.stringify(targetSize)}`,
    );
  }
  const interpolation = o.interpolation ?? 'nearest';
  if (!INTERPOLATIONS.includes(interpolation)) {
    throw new VggError(
      'E_USAGE',
      `loadImg: unknown interpolation '${interpolation}' (valid: ${INTERPOLATIONS.join(', ')})`,
    );
  }
  const colorMode = o.colorMode ?? 'rgb';
  if (!COLOR_MODES.includes(colorMode))
    throw new VggError('E_USAGE', `loadImg: unknown colorMode '${colorMode}' (valid: ${COLOR_MODES.join(', ')})`);
  const maxPixels = o.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(maxPixels >= 1))
    throw new VggError('E_USAGE', `loadImg: maxPixels must be a positive number, got ${maxPixels}`);
  const loadTruncatedImages = o.loadTruncatedImages ?? false;
  if (typeof loadTruncatedImages !== 'boolean')
    throw new VggError(
      'E_USAGE',
      `loadImg: loadTruncatedImages must be true or false, got ${String(loadTruncatedImages)}`,
    );
  return {
    targetSize,
    interpolation,
    colorMode,
    maxPixels,
    keepAspectRatio: o.keepAspectRatio ?? false,
    loadTruncatedImages,
  };
}

export type { ResampleFilter };

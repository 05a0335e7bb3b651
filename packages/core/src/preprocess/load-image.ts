import { readFile } from 'node:fs/promises';
import { wrapError } from '../errors.js';
import type { FloatTensor } from '../tensor.js';
import { preprocessInput } from './caffe.js';
import { decodeImage, type RgbImage } from './decode-image.js';
import { resizeNearest } from './resize-nearest.js';

/**
 * Keras `load_img(path, target_size=(h, w))`: decode, convert to RGB, squash with NEAREST.
 * @example (await loadImg('cat.png', [224, 224])).data.length // 224 * 224 * 3
 */
export async function loadImg(path: string, targetSize: readonly [number, number] = [224, 224]): Promise<RgbImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw wrapError('E_IMAGE_READ', `cannot read image '${path}' (check the path)`, e);
  }
  return resizeNearest(decodeImage(bytes, path), targetSize[1], targetSize[0]);
}

/** `load_img` then `preprocess_input`: the `[1, H, W, 3]` BGR float32 input Keras feeds VGG. */
export async function loadInput(path: string, targetSize: readonly [number, number] = [224, 224]): Promise<FloatTensor> {
  return preprocessInput(await loadImg(path, targetSize));
}

import type { FloatTensor } from './tensor.js';
import type { RgbImage } from './ports.js';

/** ImageNet channel means in BGR order, as Keras' caffe-mode `preprocess_input` subtracts them. */
export const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68] as const;

/**
 * Keras `preprocess_input` (caffe mode): RGB → BGR, minus the ImageNet mean, float32, `[1, H, W, 3]`.
 * @example preprocessInput(img).shape // [1, 224, 224, 3]
 */
export function preprocessInput(img: RgbImage): FloatTensor {
  const n = img.width * img.height;
  const out = new Float32Array(n * 3);
  for (let p = 0; p < n; p++) {
    const i = p * 3;
    out[i] = img.data[i + 2]! - CAFFE_MEAN_BGR[0];
    out[i + 1] = img.data[i + 1]! - CAFFE_MEAN_BGR[1];
    out[i + 2] = img.data[i]! - CAFFE_MEAN_BGR[2];
  }
  return { data: out, shape: [1, img.height, img.width, 3] };
}

/** Stacks single-image inputs of equal size into one `[N, H, W, 3]` batch. */
export function stackBatch(items: readonly FloatTensor[]): FloatTensor {
  const first = items[0]!;
  const per = first.data.length;
  const data = new Float32Array(per * items.length);
  items.forEach((t, i) => data.set(t.data, i * per));
  return { data, shape: [items.length, ...first.shape.slice(1)] };
}

import type { FloatTensor } from './tensor.js';
import type { RgbImage } from './ports.js';

/** ImageNet channel means in BGR order, as Keras' caffe-mode `preprocess_input` subtracts them. */
export const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68] as const;

/**
 * The means as Keras subtracts them: `x[..., c] -= mean[c]` on a float32 array makes NumPy cast the
 * Python float to float32 first and subtract in float32. A float64 subtraction of the exact 103.939
 * rounds differently in about half of all values (1 ulp); subtracting float32(mean) in float64 and
 * rounding once to float32 is exactly float32 subtraction (float64 has more than 2·24 + 2 bits).
 */
const MEAN_F32 = CAFFE_MEAN_BGR.map(Math.fround) as unknown as readonly [number, number, number];

/**
 * Keras `preprocess_input` (caffe mode): RGB → BGR, minus the ImageNet mean, float32, `[1, H, W, 3]`,
 * bit for bit as Keras computes it (float32 arithmetic).
 * @example preprocessInput(img).shape // [1, 224, 224, 3]
 */
export function preprocessInput(img: RgbImage): FloatTensor {
  const n = img.width * img.height;
  const out = new Float32Array(n * 3);
  const [b, g, r] = MEAN_F32;
  for (let p = 0; p < n; p++) {
    const i = p * 3;
    out[i] = img.data[i + 2]! - b;
    out[i + 1] = img.data[i + 1]! - g;
    out[i + 2] = img.data[i]! - r;
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

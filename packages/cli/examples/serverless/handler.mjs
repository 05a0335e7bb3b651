// A serverless handler (AWS Lambda style; any Node ≥ 20 function works the same way): VGG16
// block5_pool features of one image. The model loads once per container (cold start) and is reused.
// Bundle it with ./build.mjs: handler.mjs + the .wasm files (simd kernels, tfjs) + the weights, nothing else.
import { fileURLToPath } from 'node:url';
import { loadVgg } from '@vggscope/kernels';

const WEIGHTS = process.env.VGGSCOPE_WEIGHTS_FILE ?? fileURLToPath(new URL('./vgg16-notop.f16.vggw', import.meta.url));
let model;

export async function handler(event) {
  model ??= loadVgg({ model: event.model ?? 'vgg16', weights: WEIGHTS, layers: ['block5_pool'], threads: 1 });
  const [features] = await (await model).extract(event.image); // a path, or { width, height, data } RGB pixels
  return {
    layer: features.layer,
    shape: features.shape,
    mean: features.data.reduce((a, b) => a + b, 0) / features.data.length,
  };
}

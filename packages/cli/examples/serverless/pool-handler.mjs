// A serverless handler for a batch: VGG16 block5_pool of several images on a worker pool (one image
// per worker thread). Bundle it like handler.mjs: node build.mjs OUT_DIR pool-handler.mjs — the pool's
// worker is bundled as its own entry beside it (vggscope-pool-worker.mjs), piscina's as worker.js.
import { fileURLToPath } from 'node:url';
import { loadInput } from '@vggscope/image';
import { VggPool } from '@vggscope/kernels/pool';

const WEIGHTS = process.env.VGGSCOPE_WEIGHTS_FILE ?? fileURLToPath(new URL('./vgg16-notop.f16.vggw', import.meta.url));

export async function handler(event) {
  const pool = await VggPool.create({
    model: event.model ?? 'vgg16',
    weights: WEIGHTS,
    layers: ['block5_pool'],
    workers: 2,
    oversubscribe: true,
  });
  try {
    const size = event.size ?? [224, 224];
    const results = await Promise.all(
      event.images.map(async (image) => {
        const [features] = await pool.run(await loadInput(image, size));
        return { image, shape: features.shape, mean: features.data.reduce((a, b) => a + b, 0) / features.data.length };
      }),
    );
    return { workers: pool.workers, results };
  } finally {
    await pool.destroy();
  }
}

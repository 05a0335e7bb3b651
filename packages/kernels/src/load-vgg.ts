import { createVgg, resolveVggConfig, type ResolvedVggConfig, type Vgg, type VggConfigInput } from '@vggscope/core';
import { loadInput } from '@vggscope/image';
import { openWeights } from '@vggscope/weights/open'; // not the index: a run loads no converter, downloader or cache code
import { createBackend } from './backends.js';

/**
 * Builds a VGG model with Keras' layer names and indices on the configured backend (from the
 * table in `backends.ts`), weights loaded once — only those the configured `layers` need.
 * The session owns the backend: `close()` releases both.
 * @example const m = await loadVgg({ model: 'vgg16', weights: 'vgg16_notop.h5', layers: ['block5_pool'] })
 */
export async function loadVgg(input: VggConfigInput | ResolvedVggConfig): Promise<Vgg> {
  const { config } = resolveVggConfig(input); // validated before any backend starts (idempotent on a resolved one)
  const backend = await createBackend(config.backend, { threads: config.threads });
  return createVgg(backend, config, { openWeights, loadInput, ownsBackend: true });
}

import { VggError } from '../errors.js';
import type { ModelSpec } from './layer-spec.js';
import { VGG16 } from './vgg16.js';
import { VGG19 } from './vgg19.js';
import { tinyVgg } from './tiny.js';

export type ModelName = ModelSpec['name'];

const MODELS = { vgg16: VGG16, vgg19: VGG19 } as const satisfies Record<ModelName, ModelSpec>;

export const MODEL_NAMES = Object.keys(MODELS) as ModelName[];

/**
 * Narrow test models with VGG16's/VGG19's exact structure (`tinyVgg` defaults): for tests and
 * demos with synthetic weights, accepted wherever a model name is, not listed in MODEL_NAMES.
 */
export const TEST_MODEL_NAMES = ['tiny-vgg16', 'tiny-vgg19'] as const;

export function getModelSpec(name: string): ModelSpec {
  const lower = name.toLowerCase();
  if (lower === 'tiny-vgg16' || lower === 'tiny-vgg19') return tinyVgg(lower === 'tiny-vgg16' ? 'vgg16' : 'vgg19');
  const spec = (MODELS as Record<string, ModelSpec>)[lower];
  if (!spec) {
    throw new VggError('E_UNKNOWN_MODEL', `unknown model '${name}'; use one of: ${MODEL_NAMES.join(', ')}`);
  }
  return spec;
}

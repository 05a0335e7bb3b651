import { VggError } from '../errors.js';
import type { ModelSpec } from './layer-spec.js';
import { VGG16 } from './vgg16.js';
import { VGG19 } from './vgg19.js';

export type ModelName = ModelSpec['name'];

const MODELS = { vgg16: VGG16, vgg19: VGG19 } as const satisfies Record<ModelName, ModelSpec>;

export const MODEL_NAMES = Object.keys(MODELS) as ModelName[];

export function getModelSpec(name: string): ModelSpec {
  const spec = (MODELS as Record<string, ModelSpec>)[name.toLowerCase()];
  if (!spec) {
    throw new VggError('E_UNKNOWN_MODEL', `unknown model '${name}'; use one of: ${MODEL_NAMES.join(', ')}`);
  }
  return spec;
}

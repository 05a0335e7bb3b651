import { VggError } from '../errors.js';
import { type ModelSpec, vggFeatureLayers, vggTop } from './layer-spec.js';
import { getModelSpec } from './registry.js';

export interface TinyVggOptions {
  /** Conv width of each of the five blocks; default [4, 8, 8, 16, 16]. */
  readonly widths?: readonly number[];
  /** fc1/fc2 width of the top; default 16 (predictions keep Keras' 1000 classes). */
  readonly topUnits?: number;
}

/**
 * VGG16's or VGG19's exact layer structure (names, indices, order, shapes rules) with narrow
 * layers, so tests exercise every code path at a fraction of the cost.
 * @example buildGraph(tinyVgg('vgg16')).layers[18].outputShape // [7, 7, 16]
 */
export function tinyVgg(name: 'vgg16' | 'vgg19', options: TinyVggOptions = {}): ModelSpec {
  const widths = options.widths ?? [4, 8, 8, 16, 16];
  const topUnits = options.topUnits ?? 16;
  if (widths.length !== 5 || !widths.every((w) => Number.isInteger(w) && w >= 1)) {
    throw new VggError('E_USAGE', `tinyVgg: widths must be five whole numbers ≥ 1, got [${widths.join(', ')}]`);
  }
  const convsPerBlock = blockDepths(name);
  return {
    name,
    variant: `tiny-${widths.join('-')}-${topUnits}`,
    features: vggFeatureLayers(convsPerBlock.map((n, b) => Array<number>(n).fill(widths[b]!))),
    top: vggTop(topUnits),
  };
}

function blockDepths(name: 'vgg16' | 'vgg19'): number[] {
  const counts = [0, 0, 0, 0, 0];
  for (const l of getModelSpec(name).features) {
    const m = /^block(\d)_conv/.exec(l.name);
    if (m) counts[Number(m[1]) - 1]!++;
  }
  return counts;
}

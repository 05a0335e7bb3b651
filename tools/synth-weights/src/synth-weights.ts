import {
  type LayerWeights,
  type WeightSpec,
  sizeOf,
  type VggGraph,
  type WeightSet,
  weightedLayers,
} from '@vggscope/core';
import { fillNormal, mulberry32 } from './prng.js';

/**
 * Deterministic He-normal weights for every weighted layer of a graph: kernels ~ N(0, 2/fan_in)
 * (keeps activations in range through ReLUs), biases uniform in ±2: never all zeros, and large
 * enough (≈1% of a typical activation) that a dropped bias or a transposed kernel fails every
 * comparison by a wide margin.
 * @example synthWeights(buildGraph('vgg16'), 42).layers.get('block1_conv1')!.kernel.shape // [3, 3, 3, 64]
 */
export function synthWeights(graph: VggGraph, seed = 1): WeightSet {
  const layers = new Map<string, LayerWeights>();
  weightedLayers(graph).forEach((layer, i) => {
    const rand = mulberry32(seed * 1000 + i); // one stream per layer: a layer's values don't depend on the top flag
    const [kSpec, bSpec] = layer.weights as readonly [WeightSpec, WeightSpec];
    const fanIn = sizeOf(kSpec.shape) / kSpec.shape[kSpec.shape.length - 1]!;
    const kernel = fillNormal(new Float32Array(sizeOf(kSpec.shape)), Math.sqrt(2 / fanIn), rand);
    const bias = Float32Array.from({ length: sizeOf(bSpec.shape) }, () => (rand() - 0.5) * 4);
    layers.set(layer.name, { kernel: { data: kernel, shape: kSpec.shape }, bias: { data: bias, shape: bSpec.shape } });
  });
  return { source: `synthetic(seed=${seed})`, format: 'synthetic', layers, unavailable: [], bytesRead: 0 };
}

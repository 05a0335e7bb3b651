import type { FloatTensor, VggGraph, WeightSet } from '@vggscope/core';
import { conv2dRelu } from '../reference/conv2d-relu.js';
import { dense } from '../reference/dense.js';
import { globalPool } from '../reference/global-pool.js';
import { maxPool2x2 } from '../reference/max-pool.js';

/**
 * The forward pass up to `layer` in float64 with the reference ops (the graph's last softmax run
 * linear: scores): the function whose finite differences check the gradients.
 */
export function forward64(graph: VggGraph, weights: WeightSet, input: FloatTensor, layer: string): FloatTensor {
  let x: FloatTensor = { data: Float64Array.from(input.data) as unknown as Float32Array, shape: input.shape };
  for (const l of graph.layers.slice(1)) {
    const w = weights.layers.get(l.name);
    const spec = l.spec;
    if (spec.kind === 'conv') x = conv2dRelu(x, w!.kernel, w!.bias);
    else if (spec.kind === 'pool') x = maxPool2x2(x);
    else if (spec.kind === 'global_pool') x = globalPool(x, spec.mode);
    else if (spec.kind === 'flatten') x = { data: x.data, shape: [x.shape[0]!, x.data.length / x.shape[0]!] };
    else if (spec.kind === 'dense') x = dense(x, w!.kernel, w!.bias, spec.activation === 'softmax' ? 'linear' : 'relu');
    if (l.name === layer) return x;
  }
  throw new Error(`forward64: no layer ${layer}`);
}

/** Mean of channel f of a `[1,H,W,C]` activation. */
export function channelMean(a: FloatTensor, f: number): number {
  const c = a.shape[3]!;
  const hw = a.data.length / c;
  let s = 0;
  for (let p = 0; p < hw; p++) s += a.data[p * c + f]!;
  return s / hw;
}

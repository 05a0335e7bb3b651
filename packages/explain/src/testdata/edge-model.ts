import { buildGraph, type GraphOptions, tinyVgg, type VggGraph, type WeightSet } from '@vggscope/core';
import { synthWeights } from '@vggscope/synth-weights';

/**
 * A tiny VGG whose every unit is silent on a blank (all-zero, preprocessed) region: each 3×3 conv
 * kernel sums to zero over its taps and every bias is zero, so a constant input gives exactly 0
 * after every conv, pool and dense layer, and ReLU masks block any gradient there. The correct
 * saliency of anything pasted onto a zero canvas therefore lies on the paste (± the first conv's
 * one-pixel reach): a known answer for the whole backward pass.
 */
export function edgeModel(options: GraphOptions = {}): { graph: VggGraph; weights: WeightSet } {
  const spec = tinyVgg('vgg16');
  const graph = buildGraph(spec, options);
  const base = synthWeights(graph, 21);
  const layers = new Map(
    [...base.layers].map(([name, w]) => {
      const kernel = Float32Array.from(w.kernel.data);
      if (w.kernel.shape.length === 4) {
        const pairs = w.kernel.shape[2]! * w.kernel.shape[3]!;
        for (let pair = 0; pair < pairs; pair++) {
          let mean = 0;
          for (let tap = 0; tap < 9; tap++) mean += kernel[tap * pairs + pair]! / 9;
          for (let tap = 0; tap < 9; tap++) kernel[tap * pairs + pair]! -= mean;
        }
      }
      return [name, { kernel: { data: kernel, shape: w.kernel.shape }, bias: { data: new Float32Array(w.bias.data.length), shape: w.bias.shape } }];
    }),
  );
  return { graph, weights: { ...base, layers } };
}

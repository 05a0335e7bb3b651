import type { VggGraph } from '@vggscope/core';
import { MR, roundUp } from './control-block.js';

/**
 * Bytes a pass needs beyond what is allocated now: the prepared weights of every layer not yet
 * prepared are not counted (prepareLayer allocates them); this is the peak of the activations —
 * input and output of the biggest layer plus its Winograd or im2col scratch — for the batch.
 */
export function planBytes(graph: VggGraph, batch: number): number {
  let peak = 0;
  for (const layer of graph.layers) {
    const inBytes = mapBytes(layer.inputShape) * batch;
    const outBytes = mapBytes(layer.outputShape) * batch;
    let scratch = 0;
    if (layer.spec.kind === 'conv') {
      const [h, w, c] = layer.inputShape as [number, number, number];
      const tiles = roundUp(Math.ceil(h / 4) * Math.ceil(w / 4), MR);
      scratch = Math.max(
        36 * tiles * (roundUp(c, 8) + roundUp(layer.spec.filters, 8)) * 4,
        roundUp(h * w, MR) * 9 * c * 4,
      );
    }
    peak = Math.max(peak, inBytes + outBytes + scratch);
  }
  return peak;
}

function mapBytes(shape: readonly number[]): number {
  if (shape.length !== 3) return roundUp(shape[0]!, 8) * 4 * MR;
  return roundUp(shape[0]! * shape[1]!, MR) * roundUp(shape[2]!, 8) * 4;
}

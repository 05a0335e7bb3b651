import type { VggGraph } from '@vggscope/core';
import { MR, roundUp } from './control-block.js';
import { im2colChunkRows } from './conv-im2col.js';
import { winogradChunkRows } from './conv-winograd.js';

/**
 * Bytes a pass needs beyond what is allocated now (prepared weights are already allocated): the
 * largest live set of one layer — its input and output for the whole batch, plus a conv's scratch,
 * which is bounded (chunks of `chunkBytes`) whatever the input size.
 * The executor frees each input once the next layer has consumed it, so nothing else is live.
 */
export function planBytes(graph: VggGraph, batch: number, chunkBytes: number): number {
  let peak = 0;
  for (const layer of graph.layers) {
    const inBytes = mapBytes(layer.inputShape, batch);
    const outBytes = mapBytes(layer.outputShape, batch);
    let scratch = 0;
    if (layer.spec.kind === 'conv') {
      const [h, w, c] = layer.inputShape as [number, number, number];
      const k = roundUp(c, 8);
      const n = roundUp(layer.spec.filters, 8);
      // Any algorithm may run (chosen per layer): count the largest scratch.
      const winograd = [4, 6].map((m) => {
        const tiles = batch * Math.ceil(h / m) * Math.ceil(w / m);
        const positions = (m + 2) ** 2;
        return positions * winogradChunkRows(k, n, tiles, chunkBytes, positions) * (k + n) * 4;
      });
      scratch = Math.max(...winograd, im2colChunkRows(9 * c, h * w, chunkBytes) * 9 * c * 4);
    }
    peak = Math.max(peak, inBytes + outBytes + scratch);
  }
  return peak;
}

function mapBytes(shape: readonly number[], batch: number): number {
  if (shape.length !== 3) return roundUp(batch, MR) * roundUp(shape[0]!, 8) * 4;
  return batch * roundUp(shape[0]! * shape[1]!, MR) * roundUp(shape[2]!, 8) * 4;
}

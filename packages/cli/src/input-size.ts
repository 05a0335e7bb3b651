import {
  buildGraph,
  formatShape,
  type GraphOptions,
  type ModelSpec,
  type VggGraph,
  VggError,
  sizeOf,
} from '@vggscope/core';
import { formatBytes } from './table.js';

/**
 * Bytes the engine may spend on the activations of one layer (its input and output, one image).
 * Conservative: the wasm heap is 4 GiB (wasm32), and the weights (up to 548 MiB with the top), the
 * backend's workspace and the copies handed back to JavaScript need the rest.
 */
export const ACTIVATION_BUDGET = 2 * 2 ** 30;

/** The most bytes any one layer holds at once (input + output, float32, one image). */
export function peakActivationBytes(graph: VggGraph): number {
  let peak = 0;
  for (const l of graph.layers) {
    peak = Math.max(peak, (sizeOf(l.inputShape) + sizeOf(l.outputShape)) * 4);
  }
  return peak;
}

/**
 * Refuses an input size whose largest layer would not fit the engine's memory, before anything is
 * allocated: `E_INPUT_SIZE` naming the layer, the bytes and the largest size that fits.
 * @example checkInputFits(buildGraph('vgg16', { inputSize: [5000, 5000] })) // throws: … largest that fits is 2048x2048 …
 */
export function checkInputFits(graph: VggGraph, budget = ACTIVATION_BUDGET): void {
  const peak = peakActivationBytes(graph);
  if (peak <= budget) return;
  const [h, w] = graph.inputSize;
  const worst = graph.layers.reduce((a, l) => (bytes(l) > bytes(a) ? l : a));
  const side = largestSquare(graph.spec, { includeTop: graph.includeTop, pooling: graph.pooling }, budget);
  const pixels = side * side;
  throw new VggError(
    'E_INPUT_SIZE',
    `input ${h}×${w} needs ${formatBytes(peak)} for ${worst.name} (${formatShape([1, ...worst.inputShape])} in, ${formatShape([1, ...worst.outputShape])} out, float32), ` +
      `more than the ${formatBytes(budget)} the engine gives one layer; the largest that fits is ${side}x${side} (any HxW with H·W ≤ ${pixels.toLocaleString('en-US')})`,
    { hint: `pass --size ${side}x${side} or smaller` },
  );
}

function bytes(l: VggGraph['layers'][number]): number {
  return sizeOf(l.inputShape) + sizeOf(l.outputShape);
}

/** The largest square input whose peak fits `budget` (binary search; the peak grows with the side). */
export function largestSquare(
  spec: string | ModelSpec,
  options: Omit<GraphOptions, 'inputSize'>,
  budget = ACTIVATION_BUDGET,
): number {
  let lo = 32;
  let hi = 1 << 20;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (peakActivationBytes(buildGraph(spec, { ...options, inputSize: [mid, mid] })) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

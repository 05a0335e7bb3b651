import type { FloatTensor, GraphLayer, LayerWeights } from '@vggscope/core';
import { mulberry32 } from '@vggscope/synth-weights';

/** Deterministic uniform values in [−scale, scale) (mulberry32), so a failing case reproduces. */
export function seeded(n: number, seed: number, scale = 1): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
}

export function tensor(shape: number[], seed: number, scale = 1): FloatTensor {
  return {
    data: seeded(
      shape.reduce((a, b) => a * b, 1),
      seed,
      scale,
    ),
    shape,
  };
}

/** A conv layer of the graph shape the backend's prepareLayer reads, with He-scaled weights. */
export function convCase(
  h: number,
  w: number,
  cin: number,
  cout: number,
  seed: number,
): { layer: GraphLayer; weights: LayerWeights; x: FloatTensor } {
  const layer = {
    index: 1,
    name: `conv_${h}x${w}x${cin}_${cout}`,
    spec: { kind: 'conv', name: 'conv', filters: cout },
    inputShape: [h, w, cin],
    outputShape: [h, w, cout],
    weights: [],
    params: 0,
  } as unknown as GraphLayer;
  const weights = {
    kernel: tensor([3, 3, cin, cout], seed + 1, Math.sqrt(6 / (9 * cin))),
    bias: tensor([cout], seed + 2, 0.1),
  };
  return { layer, weights, x: tensor([1, h, w, cin], seed) };
}

export function denseCase(
  fin: number,
  fout: number,
  n: number,
  seed: number,
): { layer: GraphLayer; weights: LayerWeights; x: FloatTensor } {
  const layer = {
    index: 1,
    name: `dense_${fin}_${fout}`,
    spec: { kind: 'dense', name: 'dense', units: fout, activation: 'relu' },
    inputShape: [fin],
    outputShape: [fout],
    weights: [],
    params: 0,
  } as unknown as GraphLayer;
  const weights = { kernel: tensor([fin, fout], seed + 1, Math.sqrt(6 / fin)), bias: tensor([fout], seed + 2, 0.1) };
  return { layer, weights, x: tensor([n, fin], seed) };
}

import { activationBytes, type VggGraph, weightedLayers } from './graph.js';
import { kerasClassName } from './models/layer-spec.js';
import { stats } from './tensor.js';
import type { WeightSet } from './weight-set.js';

export interface FilterRow {
  index: number;
  name: string;
  /** `[3, 3, in, out]` */
  kernelShape: number[];
  biasShape: number[];
  params: number;
  /** Over the kernel only, as the workflow prints them; undefined when the weights lack the layer. */
  min?: number;
  max?: number;
}

/**
 * One row per conv layer: Keras index, name, kernel and bias shapes, parameter count and the kernel's
 * min/max (what the "visualise filters" workflow prints before normalising).
 */
export function filterSummary(graph: VggGraph, weights?: WeightSet): FilterRow[] {
  return weightedLayers(graph)
    .filter((l) => l.spec.kind === 'conv')
    .map((l) => {
      const w = weights?.layers.get(l.name);
      const s = w ? stats(w.kernel.data) : undefined;
      return {
        index: l.index,
        name: l.name,
        kernelShape: [...l.weights[0]!.shape],
        biasShape: [...l.weights[1]!.shape],
        params: l.params,
        min: s?.min,
        max: s?.max,
      };
    });
}

export interface FeatureMapRow {
  index: number;
  name: string;
  kind: string;
  /** With Keras' `None` batch axis: `[null, 224, 224, 64]`. */
  outputShape: (number | null)[];
  /** Bytes of one float32 activation for one image. */
  bytes: number;
}

/** Every layer's output shape for the graph's input size (the "feature map sizes" table). */
export function featureMapSizes(graph: VggGraph): FeatureMapRow[] {
  return graph.layers.map((l) => ({
    index: l.index,
    name: l.name,
    kind: l.spec.kind,
    outputShape: [null, ...l.outputShape],
    bytes: activationBytes(l),
  }));
}

export interface SummaryRow {
  name: string;
  type: string;
  outputShape: (number | null)[];
  params: number;
}

/** Keras `model.summary()`: layer (type), output shape, params, and the totals. */
export function modelSummary(graph: VggGraph): { rows: SummaryRow[]; totalParams: number } {
  const rows = graph.layers.map((l) => ({
    name: l.name,
    type: kerasClassName(l.spec),
    outputShape: [null, ...l.outputShape],
    params: l.params,
  }));
  return { rows, totalParams: rows.reduce((n, r) => n + r.params, 0) };
}

/** Keras indices of the last conv of each block (VGG16: 2, 5, 9, 13, 17; VGG19: 2, 5, 10, 15, 20). */
export function lastConvOfEachBlock(graph: VggGraph): number[] {
  return graph.layers
    .filter((l, i, all) => l.spec.kind === 'conv' && all[i + 1]?.spec.kind === 'pool')
    .map((l) => l.index);
}

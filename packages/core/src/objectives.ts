import { VggError } from './errors.js';
import type { GraphLayer, VggGraph } from './graph.js';
import { findLayer } from './layer-lookup.js';
import type { FloatTensor } from './tensor.js';

/** What an objective gives back for one layer activation `[N, …]`: its value per image and ∂value/∂activation. */
export interface ObjectiveSeed {
  readonly value: Float32Array;
  readonly gradient: FloatTensor;
}

/**
 * What `vgg.gradient` differentiates; an index per image, or one for the whole batch.
 * - `class`: the class score before softmax (tf-keras-vis' `ReplaceToLinear`); needs the top.
 * - `filter`: the mean over H and W of one channel of a conv or pool layer (the Keras book's
 *   `K.mean(layer_output[:, :, :, f])`).
 * - `unit`: one unit of a vector layer (fc1, fc2, predictions before softmax, a global pool).
 * - `custom`: a function of one layer's activation returning its value and gradient per image.
 */
export type GradientObjective =
  | { readonly kind: 'class'; readonly class: number | readonly number[] }
  | { readonly kind: 'filter'; readonly layer: string | number; readonly filter: number | readonly number[] }
  | { readonly kind: 'unit'; readonly layer: string | number; readonly unit: number | readonly number[] }
  | {
      readonly kind: 'custom';
      readonly layer: string | number;
      readonly fn: (activation: FloatTensor) => ObjectiveSeed;
    };

/** An objective bound to a graph: the layer it reads and how to seed the backward pass from its activation. */
export interface ResolvedObjective {
  readonly layer: GraphLayer;
  seed(activation: FloatTensor): ObjectiveSeed;
}

/**
 * Checks an objective against the graph (layer, kind, index ranges) once, before any pass.
 * @example resolveObjective(graph, { kind: 'filter', layer: 'block3_conv1', filter: 7 }, 1).layer.name // 'block3_conv1'
 */
export function resolveObjective(graph: VggGraph, objective: GradientObjective, batch: number): ResolvedObjective {
  switch (objective.kind) {
    case 'class': {
      if (!graph.includeTop) {
        throw new VggError(
          'E_USAGE',
          'gradient: a class score needs the classifier; create the model with includeTop: true (224×224)',
          { hint: 'pass --include-top (or use --layer with a filter objective instead)' },
        );
      }
      const layer = graph.layers.at(-1)!;
      return { layer, seed: pickOne(layer, perImage(objective.class, batch, 'class'), 'class') };
    }
    case 'unit': {
      const layer = findLayer(graph, objective.layer);
      if (layer.outputShape.length !== 1) {
        throw new VggError(
          'E_USAGE',
          `gradient: '${layer.name}' is a ${layer.spec.kind} layer with maps; a unit objective takes a vector layer (fc1, fc2, predictions), a filter objective takes maps`,
        );
      }
      return { layer, seed: pickOne(layer, perImage(objective.unit, batch, 'unit'), 'unit') };
    }
    case 'filter': {
      const layer = findLayer(graph, objective.layer);
      if (layer.spec.kind !== 'conv' && layer.spec.kind !== 'pool') {
        throw new VggError(
          'E_USAGE',
          `gradient: '${layer.name}' is a ${layer.spec.kind} layer; a filter objective takes a conv or pool layer (block1_conv1 … block5_pool)`,
        );
      }
      return { layer, seed: filterMean(layer, perImage(objective.filter, batch, 'filter')) };
    }
    case 'custom': {
      const layer = findLayer(graph, objective.layer);
      return { layer, seed: (a) => checkedSeed(layer, a, objective.fn(a)) };
    }
  }
}

function perImage(index: number | readonly number[], batch: number, what: string): readonly number[] {
  const list = typeof index === 'number' ? Array<number>(batch).fill(index) : index;
  if (list.length !== batch) {
    throw new VggError(
      'E_USAGE',
      `gradient: ${list.length} ${what} indices for a batch of ${batch}; give one, or one per image`,
    );
  }
  return list;
}

function checkIndex(layer: GraphLayer, i: number, count: number, what: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= count) {
    throw new VggError(
      'E_USAGE',
      `gradient: ${what} ${i} does not exist in '${layer.name}', which has ${count} (0…${count - 1})`,
    );
  }
}

/** value = a[b, i_b]; gradient one-hot. */
function pickOne(layer: GraphLayer, indices: readonly number[], what: string): ResolvedObjective['seed'] {
  const f = layer.outputShape[0]!;
  for (const i of indices) checkIndex(layer, i, f, what);
  return (a) => {
    const n = a.shape[0]!;
    const value = new Float32Array(n);
    const gradient = new Float32Array(n * f);
    for (let b = 0; b < n; b++) {
      value[b] = a.data[b * f + indices[b]!]!;
      gradient[b * f + indices[b]!] = 1;
    }
    return { value, gradient: { data: gradient, shape: [n, f] } };
  };
}

/** value = mean over H·W of channel f_b; gradient 1/(H·W) on that channel. */
function filterMean(layer: GraphLayer, filters: readonly number[]): ResolvedObjective['seed'] {
  const [h, w, c] = layer.outputShape as [number, number, number];
  for (const f of filters) checkIndex(layer, f, c, 'filter');
  const hw = h * w;
  return (a) => {
    const n = a.shape[0]!;
    const value = new Float32Array(n);
    const gradient = new Float32Array(a.data.length);
    for (let b = 0; b < n; b++) {
      let s = 0;
      for (let p = 0; p < hw; p++) {
        s += a.data[(b * hw + p) * c + filters[b]!]!;
        gradient[(b * hw + p) * c + filters[b]!] = 1 / hw;
      }
      value[b] = s / hw;
    }
    return { value, gradient: { data: gradient, shape: [...a.shape] } };
  };
}

function checkedSeed(layer: GraphLayer, a: FloatTensor, seed: ObjectiveSeed): ObjectiveSeed {
  const n = a.shape[0]!;
  if (seed.value.length !== n || seed.gradient.data.length !== a.data.length) {
    throw new VggError(
      'E_USAGE',
      `gradient: the custom objective of '${layer.name}' must return ${n} values and a gradient of shape [${a.shape.join(', ')}], ` +
        `got ${seed.value.length} values and [${seed.gradient.shape.join(', ')}]`,
    );
  }
  return { value: seed.value, gradient: { data: seed.gradient.data, shape: [...a.shape] } };
}

import { VggError } from './errors.js';
import type { LayerSpec, ModelSpec } from './models/layer-spec.js';
import { getModelSpec, type ModelName } from './models/registry.js';
import { sizeOf } from './tensor.js';

export type Pooling = 'avg' | 'max';

export interface GraphOptions {
  /** Append flatten/fc1/fc2/predictions (Keras `include_top`); input must then be 224×224. */
  includeTop?: boolean;
  /** Keras `pooling` for the no-top model: a global pool after block5_pool. */
  pooling?: Pooling | null;
  /** Input [height, width]; default [224, 224]. Each side ≥ 32 without the top. */
  inputSize?: readonly [number, number];
}

export interface WeightSpec {
  readonly role: 'kernel' | 'bias';
  readonly shape: readonly number[];
}

export interface GraphLayer {
  /** Keras layer index (`input_1` is 0). */
  readonly index: number;
  readonly name: string;
  readonly spec: LayerSpec;
  /** Input shape without the batch axis (HWC for maps, [N] for vectors). */
  readonly inputShape: readonly number[];
  /** Output shape without the batch axis (HWC for maps, [N] for vectors). */
  readonly outputShape: readonly number[];
  /** Kernel then bias, HWIO / [in, out] as Keras stores them; empty for weightless layers. */
  readonly weights: readonly WeightSpec[];
  readonly params: number;
}

export interface VggGraph {
  readonly model: ModelName;
  /** The layer structure this graph was built from (a real model or a `tinyVgg`). */
  readonly spec: ModelSpec;
  readonly includeTop: boolean;
  readonly pooling: Pooling | null;
  readonly inputSize: readonly [number, number];
  readonly layers: readonly GraphLayer[];
}

export const DEFAULT_INPUT_SIZE: readonly [number, number] = [224, 224];
export const MIN_INPUT_SIDE = 32;

/**
 * Builds a model's layer list with every output shape inferred, exactly as Keras would.
 * @example buildGraph('vgg16').layers[18] // { index: 18, name: 'block5_pool', outputShape: [7, 7, 512], … }
 */
export function buildGraph(model: string | ModelSpec, options: GraphOptions = {}): VggGraph {
  const spec = typeof model === 'string' ? getModelSpec(model) : model;
  const includeTop = options.includeTop ?? false;
  const pooling = includeTop ? null : (options.pooling ?? null);
  const inputSize = checkInputSize(options.inputSize ?? DEFAULT_INPUT_SIZE, includeTop);

  const specs: LayerSpec[] = [...spec.features];
  if (includeTop) specs.push(...spec.top);
  else if (pooling) {
    const name = pooling === 'avg' ? 'global_average_pooling2d' : 'global_max_pooling2d';
    specs.push({ kind: 'global_pool', name, mode: pooling });
  }

  const layers: GraphLayer[] = [];
  let shape: number[] = [inputSize[0], inputSize[1], 3];
  specs.forEach((layer, index) => {
    const weights = weightSpecs(layer, shape);
    const inputShape = shape;
    shape = outputShape(layer, shape);
    const params = weights.reduce((n, w) => n + sizeOf(w.shape), 0);
    layers.push({ index, name: layer.name, spec: layer, inputShape, outputShape: shape, weights, params });
  });
  return { model: spec.name, spec, includeTop, pooling, inputSize, layers };
}

function checkInputSize(size: readonly [number, number], includeTop: boolean): [number, number] {
  const [h, w] = size;
  if (!Number.isInteger(h) || !Number.isInteger(w)) {
    throw new VggError('E_INPUT_SIZE', `input size must be whole numbers, got ${h}×${w}`);
  }
  if (includeTop && (h !== 224 || w !== 224)) {
    throw new VggError(
      'E_INPUT_SIZE',
      `include_top needs a 224×224 input (fc1 expects 7×7×512), got ${h}×${w}; drop --include-top to use other sizes`,
    );
  }
  if (h < MIN_INPUT_SIDE || w < MIN_INPUT_SIDE) {
    throw new VggError(
      'E_INPUT_SIZE',
      `input must be at least ${MIN_INPUT_SIDE}×${MIN_INPUT_SIDE} (as in Keras), got ${h}×${w}`,
    );
  }
  return [h, w];
}

function weightSpecs(layer: LayerSpec, input: readonly number[]): WeightSpec[] {
  if (layer.kind === 'conv') {
    return [
      { role: 'kernel', shape: [3, 3, input[2]!, layer.filters] },
      { role: 'bias', shape: [layer.filters] },
    ];
  }
  if (layer.kind === 'dense') {
    return [
      { role: 'kernel', shape: [input[0]!, layer.units] },
      { role: 'bias', shape: [layer.units] },
    ];
  }
  return [];
}

function outputShape(layer: LayerSpec, input: readonly number[]): number[] {
  const [h, w, c] = input as [number, number, number];
  switch (layer.kind) {
    case 'input':
      return [...input];
    case 'conv':
      return [h, w, layer.filters];
    case 'pool':
      return [Math.floor(h / 2), Math.floor(w / 2), c];
    case 'global_pool':
      return [c];
    case 'flatten':
      return [sizeOf(input)];
    case 'dense':
      return [layer.units];
  }
}

/** Layers that carry weights, in order. */
export function weightedLayers(graph: VggGraph): GraphLayer[] {
  return graph.layers.filter((l) => l.weights.length > 0);
}

/** Total bytes of one float32 activation of this layer for a batch of one. */
export function activationBytes(layer: GraphLayer): number {
  return sizeOf(layer.outputShape) * 4;
}

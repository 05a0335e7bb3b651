import type { Backend, MaybePromise } from './backend.js';
import { VggError } from './errors.js';
import type { GraphLayer, VggGraph } from './graph.js';
import { findLayers } from './layer-lookup.js';
import type { FloatTensor } from './tensor.js';
import { sizeOf } from './tensor.js';

export interface RunRequest {
  /** Layers to return, by Keras name or index; default: the graph's last layer. */
  readonly layers?: readonly (string | number)[];
  /** Called after each layer, for progress and timing. */
  readonly onLayer?: (layer: GraphLayer, elapsedMs: number) => void;
}

export interface LayerOutput extends FloatTensor {
  readonly layer: string;
  readonly index: number;
  /** Milliseconds from the start of the pass until this layer was read out. */
  readonly ms: number;
}

/**
 * Runs the graph up to the deepest requested layer only, disposing every intermediate as soon as
 * the next layer has consumed it (one `tidy` around the whole net would hold them all at once).
 */
export async function runGraph<T, L>(
  backend: Backend<T, L>,
  graph: VggGraph,
  prepared: ReadonlyMap<string, L>,
  batch: FloatTensor,
  request: RunRequest = {},
): Promise<LayerOutput[]> {
  const targets = findLayers(graph, request.layers ?? [graph.layers.length - 1]);
  const deepest = Math.max(...targets.map((l) => l.index));
  assertWeightsFor(graph, prepared, deepest);
  assertInputShape(graph, batch);
  await backend.plan?.(graph, batch.shape[0]!);

  const wanted = new Set(targets.map((l) => l.index));
  const outputs = new Map<number, LayerOutput>();
  const t0 = performance.now();
  let x = await backend.input(batch);
  try {
    if (wanted.has(0)) outputs.set(0, await readOut(backend, x, graph.layers[0]!, t0));
    for (let i = 1; i <= deepest; i++) {
      const layer = graph.layers[i]!;
      const y = await applyLayer(backend, layer, x, prepared);
      backend.dispose(x);
      x = y;
      if (wanted.has(i)) outputs.set(i, await readOut(backend, x, layer, t0));
      request.onLayer?.(layer, performance.now() - t0);
    }
  } finally {
    backend.dispose(x);
  }
  return targets.map((l) => outputs.get(l.index)!);
}

/** One forward op; `linearTop` runs a softmax dense layer without its softmax (scores, for gradients). */
export function applyLayer<T, L>(
  backend: Backend<T, L>,
  layer: GraphLayer,
  x: T,
  prepared: ReadonlyMap<string, L>,
  linearTop = false,
): MaybePromise<T> {
  const spec = layer.spec;
  switch (spec.kind) {
    case 'conv':
      return backend.conv2dRelu(x, prepared.get(layer.name)!);
    case 'pool':
      return backend.maxPool2x2(x);
    case 'global_pool':
      return backend.globalPool(x, spec.mode);
    case 'flatten':
      return backend.flatten(x);
    case 'dense':
      return backend.dense(
        x,
        prepared.get(layer.name)!,
        linearTop && spec.activation === 'softmax' ? 'linear' : spec.activation,
      );
    case 'input':
      throw new VggError('E_INTERNAL', `runGraph: input layer '${layer.name}' found at index ${layer.index}`);
  }
}

async function readOut<T, L>(backend: Backend<T, L>, x: T, layer: GraphLayer, t0: number): Promise<LayerOutput> {
  const t = await backend.read(x);
  return { ...t, layer: layer.name, index: layer.index, ms: performance.now() - t0 };
}

/** Weighted layers that a pass up to `deepest` needs but `weights` lacks. */
export function missingWeights(graph: VggGraph, available: { has(name: string): boolean }, deepest: number): string[] {
  return graph.layers
    .filter((l) => l.index <= deepest && l.weights.length > 0 && !available.has(l.name))
    .map((l) => l.name);
}

export function assertWeightsFor(graph: VggGraph, weights: { has(name: string): boolean }, deepest: number): void {
  const missing = missingWeights(graph, weights, deepest);
  if (missing.length === 0) return;
  const target = graph.layers[deepest]!.name;
  const reachable = graph.layers.filter((l) => l.index < graph.layers.findIndex((g) => g.name === missing[0]));
  const last = reachable.at(-1)?.name ?? 'input_1';
  throw new VggError(
    'E_WEIGHTS_MISSING',
    `computing '${target}' needs weights for ${missing.join(', ')}, which the loaded weights do not have; ` +
      `these weights reach up to '${last}' — request that layer or an earlier one, or supply complete weights (--weights)`,
  );
}

export function assertInputShape(graph: VggGraph, batch: FloatTensor): void {
  const [h, w] = graph.inputSize;
  const s = batch.shape;
  if (s.length !== 4 || s[1] !== h || s[2] !== w || s[3] !== 3) {
    throw new VggError(
      'E_INPUT_SHAPE',
      `runGraph: the input must be [N, ${h}, ${w}, 3] (NHWC, BGR), got [${s.join(', ')}]`,
    );
  }
  if (batch.data.length !== sizeOf(s)) {
    throw new VggError('E_INPUT_SHAPE', `runGraph: input has ${batch.data.length} values but shape [${s.join(', ')}]`);
  }
}

import { VggError } from './errors.js';
import { buildGraph, type Pooling, type VggGraph } from './graph.js';
import { findLayers } from './layer-lookup.js';
import type { ModelSpec } from './models/layer-spec.js';
import type { WeightSet } from './weight-set.js';

/**
 * Everything that defines one model session, validated once: what the CLI builds, what the pool
 * sends to its workers (it is plain data), and what a worker hands to `createVgg`.
 */
export interface VggConfig {
  /** 'vgg16' | 'vgg19', or a layer structure such as `tinyVgg('vgg16')`. */
  readonly model: string | ModelSpec;
  /** A Keras .h5 file, a tfjs layers-model folder (or its model.json), a packed .vggw, or weights in memory. */
  readonly weights: string | WeightSet;
  readonly includeTop: boolean;
  readonly pooling: Pooling | null;
  /** [height, width] of the input. */
  readonly inputSize: readonly [number, number];
  /** Outputs a pass returns by default, as Keras layer names; only the weights these need are read. */
  readonly layers: readonly string[];
  /** A name from the backend table (`kernels/src/backends.ts`); undefined: the table's default. */
  readonly backend?: string;
  /** Threads one pass may use; undefined: the backend's default (typically every core). */
  readonly threads?: number;
}

declare const resolved: unique symbol;
/**
 * A config `resolveVggConfig` has checked and filled: `createVgg`, `loadVgg`, `VggPool.create` and the
 * queue take it as it is, without resolving again. It is plain data (the pool and the queue send it).
 */
export type ResolvedVggConfig = VggConfig & { readonly [resolved]: true };

/** The most threads a config may ask for (a backend caps them at what its platform has). */
export const MAX_THREADS = 256;

/** What callers give: everything but `weights` has a default. */
export type VggConfigInput = Partial<Omit<VggConfig, 'layers' | 'inputSize'>> & {
  readonly weights: string | WeightSet;
  readonly layers?: readonly (string | number)[];
  readonly inputSize?: readonly [number, number];
};

/**
 * Fills defaults and checks every field (model, input size, layer names, threads) in one place;
 * the graph it builds is returned too so callers do not build it again.
 * @example resolveVggConfig({ weights: 'w.h5', layers: [14] }).config.layers // ['block4_pool']
 */
export function resolveVggConfig(input: VggConfigInput | ResolvedVggConfig): {
  config: ResolvedVggConfig;
  graph: VggGraph;
} {
  if (input.weights === undefined || input.weights === '') {
    throw new VggError(
      'E_USAGE',
      'vgg: `weights` is required (a .h5 file, a tfjs folder, a packed .vggw or a WeightSet)',
    );
  }
  const model = input.model ?? 'vgg16';
  const includeTop = input.includeTop ?? false;
  const graph = buildGraph(model, { includeTop, pooling: input.pooling ?? null, inputSize: input.inputSize });
  const layers = findLayers(graph, input.layers?.length ? input.layers : [graph.layers.length - 1]).map((l) => l.name);
  const threads = input.threads;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS)) {
    throw new VggError('E_USAGE', `vgg: threads must be a whole number from 1 to ${MAX_THREADS}, got ${threads}`);
  }
  const config = {
    model,
    weights: input.weights,
    includeTop: graph.includeTop,
    pooling: graph.pooling,
    inputSize: graph.inputSize,
    layers,
    backend: input.backend,
    threads,
  } as VggConfig as ResolvedVggConfig;
  return { config, graph };
}

/** Weighted layers a pass to the deepest of `layers` goes through. */
export function neededLayers(graph: VggGraph, layers: readonly (string | number)[]): Set<string> {
  const deepest = Math.max(...findLayers(graph, layers).map((l) => l.index));
  return new Set(graph.layers.filter((l) => l.index <= deepest && l.weights.length > 0).map((l) => l.name));
}

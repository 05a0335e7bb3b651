import {
  type Backend,
  buildGraph,
  findLayers,
  type FloatTensor,
  type GraphOptions,
  type LayerWeights,
  type LayerOutput,
  loadInput,
  loadWeights,
  preprocessInput,
  isPackedFile,
  readPackedLayers,
  type RgbImage,
  runGraph,
  stackBatch,
  type UploadedLayer,
  type VggGraph,
  VggError,
  type WeightSet,
} from '@vggscope/core';
import { referenceBackend } from './reference/reference-backend.js';
import { wasmBackend } from './wasm/wasm-backend.js';

export type BackendName = 'wasm' | 'reference';

export interface LoadVggOptions extends GraphOptions {
  /** 'vgg16' (default) or 'vgg19'. */
  model?: string;
  /** A Keras .h5 file, a tfjs layers-model folder, or weights already loaded. */
  weights: string | WeightSet;
  /** Load only what these outputs need (e.g. ['block1_conv1'] reads one layer's tensors). */
  layers?: readonly (string | number)[];
  /** 'wasm' (default, fast) or 'reference' (plain loops, for cross-checks on tiny inputs). */
  backend?: BackendName;
}

export type VggInput = string | RgbImage | FloatTensor | readonly (string | RgbImage)[];

export interface ExtractOptions {
  /** Keras layer names or indices; default: the model's last layer (block5_pool without the top). */
  layers?: readonly (string | number)[];
  onLayer?: (layer: string, elapsedMs: number) => void;
}

export interface Vgg {
  readonly graph: VggGraph;
  readonly weights: { readonly source: string; readonly format: string; readonly layers: readonly string[]; readonly bytesRead: number };
  /**
   * Runs one pass up to the deepest requested layer and returns each requested activation.
   * @example (await m.extract('cat.png', { layers: ['block4_pool'] }))[0].shape // [1, 14, 14, 512]
   */
  extract(input: VggInput, options?: ExtractOptions): Promise<LayerOutput[]>;
  dispose(): void;
}

const BACKENDS: Record<BackendName, Backend<unknown, unknown> & { prepare?: () => Promise<void> }> = {
  wasm: wasmBackend as Backend<unknown, unknown> & { prepare: () => Promise<void> },
  reference: referenceBackend as Backend<unknown, unknown>,
};

/**
 * Builds a VGG model with Keras' layer names and indices on a backend, weights loaded once.
 * @example const m = await loadVgg({ model: 'vgg16', weights: 'vgg16_notop.h5' })
 */
export async function loadVgg(options: LoadVggOptions): Promise<Vgg> {
  const graph = buildGraph(options.model ?? 'vgg16', options);
  const backend = BACKENDS[options.backend ?? 'wasm'];
  if (!backend) throw new VggError('E_USAGE', `loadVgg: unknown backend '${options.backend}'; use 'wasm' or 'reference'`);
  const only = options.layers ? neededLayers(graph, options.layers) : undefined;
  await backend.prepare?.();
  const uploaded = new Map<string, UploadedLayer<unknown>>();
  const uploadLayer = (name: string, w: LayerWeights) => {
    if (!only || only.has(name)) uploaded.set(name, [backend.uploadWeight(w.kernel), backend.uploadWeight(w.bias)]);
  };
  let weights: { source: string; format: string; bytesRead: number };
  if (typeof options.weights === 'string' && (await isPackedFile(options.weights))) {
    // Layer by layer: the JS copy of one layer is dropped before the next is read, so a worker
    // never holds the whole model twice (once in JS, once in the wasm heap).
    let bytesRead = 0;
    for await (const layer of readPackedLayers(options.weights, graph, only)) {
      uploadLayer(layer.name, layer.weights);
      bytesRead += layer.bytesRead;
    }
    weights = { source: options.weights, format: 'packed', bytesRead };
  } else {
    const set = typeof options.weights === 'string' ? await loadWeights(options.weights, graph, { only }) : options.weights;
    for (const [name, w] of set.layers) uploadLayer(name, w);
    weights = set;
  }
  let disposed = false;

  return {
    graph,
    weights: { source: weights.source, format: weights.format, layers: [...uploaded.keys()], bytesRead: weights.bytesRead },
    async extract(input, extractOptions = {}) {
      if (disposed) throw new VggError('E_USAGE', 'extract: this model was disposed; call loadVgg again');
      await backend.prepare?.();
      const batch = await toBatch(input, graph);
      return runGraph(backend, graph, uploaded, batch, {
        layers: extractOptions.layers,
        onLayer: extractOptions.onLayer && ((l, ms) => extractOptions.onLayer!(l.name, ms)),
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const [k, b] of uploaded.values()) {
        backend.disposeWeight(k);
        backend.disposeWeight(b);
      }
      uploaded.clear();
    },
  };
}

/** Weighted layers a pass to the deepest of `refs` goes through. */
export function neededLayers(graph: VggGraph, refs: readonly (string | number)[]): Set<string> {
  const deepest = Math.max(...findLayers(graph, refs).map((l) => l.index));
  return new Set(graph.layers.filter((l) => l.index <= deepest && l.weights.length > 0).map((l) => l.name));
}

async function toBatch(input: VggInput, graph: VggGraph): Promise<FloatTensor> {
  const size = graph.inputSize;
  const one = async (item: string | RgbImage): Promise<FloatTensor> => {
    if (typeof item === 'string') return loadInput(item, size);
    if (item.width !== size[1] || item.height !== size[0]) {
      throw new VggError('E_INPUT_SHAPE', `extract: image is ${item.width}×${item.height} but the model input is ${size[1]}×${size[0]}; resize it (resizeNearest) or build the model with inputSize`);
    }
    return preprocessInput(item);
  };
  if (Array.isArray(input)) return stackBatch(await Promise.all(input.map(one)));
  if (typeof input === 'string' || 'width' in (input as object)) return one(input as string | RgbImage);
  return input as FloatTensor;
}

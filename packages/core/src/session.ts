import type { Backend } from './backend.js';
import { type ResolvedVggConfig, neededLayers } from './config.js';
import { VggError } from './errors.js';
import type { ReluBackwardMode } from './backend.js';
import { type GradientResult, runGradient } from './backward.js';
import { type LayerOutput, runGraph } from './executor.js';
import { findLayer } from './layer-lookup.js';
import { type GradientObjective, resolveObjective } from './objectives.js';
import { buildGraph, type VggGraph } from './graph.js';
import { stackBatch, preprocessInput } from './caffe.js';
import type { InputImageOptions, LoadInput, RgbImage, OpenWeights } from './ports.js';
import type { FloatTensor } from './tensor.js';
import type { WeightFormat } from './weight-set.js';

/**
 * An image path, the bytes of an image file (`Uint8Array`/`Buffer`: PNG, JPEG, …), decoded RGB
 * pixels, a list of those (a batch), or a preprocessed `[N,H,W,3]` tensor.
 */
export type VggInput = string | Uint8Array | RgbImage | FloatTensor | readonly (string | Uint8Array | RgbImage)[];

export interface ExtractOptions {
  /** Keras layer names or indices; default: the config's `layers`. */
  layers?: readonly (string | number)[];
  /** How image paths are loaded (Keras' `load_img` options: interpolation, keepAspectRatio, …); the target size is the model's. */
  image?: InputImageOptions;
  onLayer?: (layer: string, elapsedMs: number) => void;
}

export interface GradientOptions {
  /** The layer whose output the gradient is with respect to; default `input_1` (the preprocessed input). */
  wrt?: string | number;
  /** `guided`: guided backprop (ReLUs pass only positive gradients); default `plain`. */
  relu?: ReluBackwardMode;
  /** How image paths are loaded, as for `extract`. */
  image?: InputImageOptions;
}

export interface Vgg {
  readonly graph: VggGraph;
  readonly config: ResolvedVggConfig;
  readonly backend: string;
  /** Whether this backend has a reverse pass (`gradient` works). */
  readonly gradients: boolean;
  readonly weights: {
    readonly source: string;
    readonly format: WeightFormat;
    readonly layers: readonly string[];
    readonly bytesRead: number;
  };
  /**
   * Runs one pass up to the deepest requested layer and returns each requested activation.
   * @example (await m.extract('cat.png', { layers: ['block4_pool'] }))[0].shape // [1, 14, 14, 512]
   */
  extract(input: VggInput, options?: ExtractOptions): Promise<LayerOutput[]>;
  /**
   * ∂objective/∂input (NHWC `[N,H,W,3]`, in the preprocessed caffe BGR space Keras' model sees) and
   * the objective per image, by one forward and one reverse pass; needs a backend with a reverse
   * pass and the weights up to the objective's layer.
   * @example (await m.gradient('cat.png', { kind: 'class', class: 281 })).gradient.shape // [1, 224, 224, 3]
   */
  gradient(input: VggInput, objective: GradientObjective, options?: GradientOptions): Promise<GradientResult>;
  /** Releases the prepared layers (and the backend, when the session owns it). */
  close(): Promise<void>;
  /** `close()` without waiting. */
  dispose(): void;
}

export interface CreateVggOptions {
  /** Reads the weights (`@vggscope/weights`' `openWeights`). */
  readonly openWeights: OpenWeights;
  /** Loads image paths and bytes (`@vggscope/image`' `loadInput`); without it, pass decoded images or tensors. */
  readonly loadInput?: LoadInput;
  /** Close the backend with the session (what `loadVgg` does: it created the backend). */
  readonly ownsBackend?: boolean;
}

/**
 * A model session on a backend: validates the config, streams the weights the configured outputs
 * need into the backend layer by layer (each checked against the graph, then dropped), and runs
 * passes. `kernels`' `loadVgg(config)` picks the backend from its table and calls this.
 * @example const m = await createVgg(backend, resolveVggConfig({ weights: 'w.h5' }).config, { openWeights, loadInput })
 */
export async function createVgg<T, L>(
  backend: Backend<T, L>,
  config: ResolvedVggConfig,
  options: CreateVggOptions,
): Promise<Vgg> {
  const graph = buildGraph(config.model, config);
  const only = neededLayers(graph, config.layers);
  const prepared = new Map<string, L>();
  let bytesRead = 0;
  const release = () => {
    for (const l of prepared.values()) backend.disposeLayer(l);
    prepared.clear();
  };
  let stream;
  try {
    const staging = backend.weightStaging;
    stream = await (staging
      ? options.openWeights(config.weights, graph, only, { weightStaging: staging })
      : options.openWeights(config.weights, graph, only));
    const byName = new Map(graph.layers.map((l) => [l.name, l]));
    for await (const layer of stream.layers) {
      prepared.set(layer.name, await backend.prepareLayer(byName.get(layer.name)!, layer.weights));
      bytesRead += layer.bytesRead;
    }
  } catch (e) {
    release();
    if (options.ownsBackend) await backend.close();
    throw e;
  }
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    release();
    if (options.ownsBackend) await backend.close();
  };

  return {
    graph,
    config,
    backend: backend.name,
    gradients: backend.backward !== undefined,
    weights: { source: stream.source, format: stream.format, layers: [...prepared.keys()], bytesRead },
    async extract(x, extractOptions = {}) {
      if (closed)
        throw new VggError('E_USAGE', 'extract: this model was closed; create it again (loadVgg / createVgg)');
      const batch = await toBatch(x, graph, extractOptions.image, options.loadInput);
      return runGraph(backend, graph, prepared, batch, {
        layers: extractOptions.layers ?? config.layers,
        onLayer: extractOptions.onLayer && ((l, ms) => extractOptions.onLayer!(l.name, ms)),
      });
    },
    async gradient(x, objective, gradientOptions = {}) {
      if (closed)
        throw new VggError('E_USAGE', 'gradient: this model was closed; create it again (loadVgg / createVgg)');
      const batch = await toBatch(x, graph, gradientOptions.image, options.loadInput);
      return runGradient(backend, graph, prepared, batch, {
        objective: resolveObjective(graph, objective, batch.shape[0]!),
        wrt: findLayer(graph, gradientOptions.wrt ?? 0),
        relu: gradientOptions.relu,
      });
    },
    close,
    dispose: () => void close(),
  };
}

async function toBatch(
  input: VggInput,
  graph: VggGraph,
  image: ExtractOptions['image'],
  loadInput: LoadInput | undefined,
): Promise<FloatTensor> {
  const size = graph.inputSize;
  const one = async (item: string | Uint8Array | RgbImage): Promise<FloatTensor> => {
    if (typeof item === 'string' || item instanceof Uint8Array) {
      const what = typeof item === 'string' ? `the path '${item}'` : `${item.byteLength} bytes of an image file`;
      if (!loadInput) {
        throw new VggError(
          'E_USAGE',
          `extract: got ${what} but this session has no image loader; use loadVgg (@vggscope/kernels), pass loadInput from @vggscope/image to createVgg, or pass decoded pixels`,
        );
      }
      return loadInput(item, size, image);
    }
    if (!isRgbImage(item)) throw notAnInput(item);
    if (item.width !== size[1] || item.height !== size[0]) {
      throw new VggError(
        'E_INPUT_SHAPE',
        `extract: image is ${item.width}×${item.height} but the model input is ${size[1]}×${size[0]}; resize it (resizeNearest) or create the model with that inputSize`,
      );
    }
    return preprocessInput(item);
  };
  if (Array.isArray(input)) return stackBatch(await Promise.all(input.map(one)));
  if (typeof input === 'string' || input instanceof Uint8Array || isRgbImage(input)) return one(input);
  if (isFloatTensor(input)) return input;
  throw notAnInput(input);
}

const isRgbImage = (x: unknown): x is RgbImage =>
  typeof x === 'object' && x !== null && 'width' in x && 'height' in x && (x as RgbImage).data instanceof Uint8Array;

const isFloatTensor = (x: unknown): x is FloatTensor =>
  typeof x === 'object' &&
  x !== null &&
  (x as FloatTensor).data instanceof Float32Array &&
  Array.isArray((x as FloatTensor).shape);

/** Anything else gets a message listing what extract takes, instead of a TypeError deep in the executor. */
function notAnInput(x: unknown): VggError {
  const got =
    x === null ? 'null' : typeof x !== 'object' ? typeof x : (Object.getPrototypeOf(x)?.constructor?.name ?? 'object');
  return new VggError(
    'E_USAGE',
    `extract: cannot use a ${got} as input; give an image path, the bytes of an image file (Uint8Array/Buffer), ` +
      `decoded pixels { width, height, data: Uint8Array }, a list of those, or a preprocessed [N, H, W, 3] float32 tensor { data: Float32Array, shape } (see loadInput)`,
  );
}

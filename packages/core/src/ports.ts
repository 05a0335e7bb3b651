import type { GraphLayer, VggGraph } from './graph.js';
import type { FloatTensor } from './tensor.js';
import type { LayerWeights, WeightFormat, WeightSet } from './weight-set.js';

/**
 * The ports core reads through. Core runs the network; it never opens a file, decodes an image or
 * starts a thread itself. `@vggscope/weights` implements `OpenWeights`, `@vggscope/image`
 * implements `LoadInput`, and `@vggscope/kernels`' `loadVgg` plugs both in.
 */

/** 8-bit RGB pixels, row-major, 3 bytes a pixel (what the image package decodes to). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** One weighted layer, checked against the graph, ready to hand to a backend and drop. */
export interface WeightLayer {
  readonly name: string;
  readonly weights: LayerWeights;
  readonly bytesRead: number;
}

/** Weights for one graph, streamed layer by layer. */
export interface WeightStream {
  readonly source: string;
  readonly format: WeightFormat;
  /** Layers the source lists but cannot provide (e.g. absent tfjs shards). */
  readonly unavailable: readonly string[];
  /** Each requested layer once, in graph order; nothing is kept after it is yielded. */
  readonly layers: AsyncIterable<WeightLayer>;
}

/**
 * Where a weights reader may put a layer's float32 kernel straight away: memory of the backend
 * that will prepare it (a wasm arena), which saves allocating a JavaScript buffer and copying it
 * later. The backend recognises the array in `prepareLayer` and takes it over.
 */
export interface WeightStaging {
  /** An array of `length` floats for `layer`'s kernel, or undefined: the reader allocates its own. */
  kernel(layer: GraphLayer, length: number): Float32Array | undefined;
}

export interface OpenWeightsOptions {
  /** Read kernels into the backend's memory where the source allows it (packed f32 files). */
  readonly weightStaging?: WeightStaging;
}

/** Opens `weights` (a path the adapter understands, or a set in memory) for `graph`, reading only `only`. */
export type OpenWeights = (
  weights: string | WeightSet,
  graph: VggGraph,
  only?: ReadonlySet<string>,
  options?: OpenWeightsOptions,
) => Promise<WeightStream>;

/** Keras `load_img` options an image loader accepts (validated by the loader). */
export interface InputImageOptions {
  /** Pillow resize filter by Keras' name: nearest (default), bilinear, bicubic, lanczos, box, hamming. */
  readonly interpolation?: string;
  readonly keepAspectRatio?: boolean;
  /** 'rgb' (default) or 'grayscale'. */
  readonly colorMode?: string;
  readonly maxPixels?: number;
}

/** Loads an image (path or bytes) as the model's `[1, H, W, 3]` preprocessed input. */
export type LoadInput = (
  image: string | Uint8Array,
  targetSize: readonly [number, number],
  options?: InputImageOptions,
) => Promise<FloatTensor>;

import type { FloatTensor } from './tensor.js';

/** One layer's parameters as stored by Keras: kernel (HWIO or [in, out]) then bias. */
export interface LayerWeights {
  readonly kernel: FloatTensor;
  readonly bias: FloatTensor;
}

export type WeightFormat = 'keras-h5' | 'tfjs-layers' | 'packed' | 'synthetic';

/** Weights keyed by Keras layer name, plus where they came from. */
export interface WeightSet {
  readonly source: string;
  readonly format: WeightFormat;
  readonly layers: ReadonlyMap<string, LayerWeights>;
  /** Layers the source lists but cannot provide (e.g. tfjs shards that are absent). */
  readonly unavailable: readonly string[];
  /** Bytes of tensor data actually read from storage. */
  readonly bytesRead: number;
}

/** A tensor as a file stores it, before it is matched to the VGG graph. */
export interface RawWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data?: Float32Array; // absent when not read (layer not requested)
}

export interface RawLayer {
  readonly name: string;
  readonly weights: readonly RawWeight[];
  /** True when the file gave no layer name (Keras < 3.6): `name` is the class-order key, e.g. `conv2d_3`. */
  readonly positional?: boolean;
}

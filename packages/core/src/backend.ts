import type { GraphLayer, VggGraph } from './graph.js';
import type { FloatTensor } from './tensor.js';
import type { LayerWeights } from './weight-set.js';

/** A value, or a promise of it: a threaded backend may answer asynchronously, a plain one need not. */
export type MaybePromise<T> = T | Promise<T>;

/** What every backend factory accepts; a backend may read more fields of its own. */
export interface BackendOptions {
  /** Threads one pass may use (default: the backend's choice; a pool worker passes 1). */
  readonly threads?: number;
}

/**
 * What an execution backend implements to run a VGG graph. `core` declares it and drives it
 * (`createVgg`, `runGraph`); each backend lives in its own folder of `kernels` and is created by a
 * factory listed in `kernels/src/backends.ts`. A backend is an instance, not a module singleton:
 * it may own a thread team, a memory, caches; `close()` releases all of it.
 *
 * Layout contract: `input` receives and `read` returns NHWC float32 (`[N, H, W, C]`, or `[N, F]`
 * for vectors), and `flatten` produces Keras' channels-last order (`h`, then `w`, then `c`).
 * Between those, an activation handle `T` may use any internal layout. `L` is the backend's
 * prepared layer (weights transformed and packed once, an algorithm chosen per layer).
 *
 * Ops may return a promise; the executor awaits each. Every handle given to an op stays owned by
 * the caller, who disposes it (`dispose`, `disposeLayer`) once nothing needs it.
 */
export interface Backend<T = unknown, L = unknown> {
  readonly name: string;
  /** Threads this instance runs one pass on. */
  readonly threads: number;
  /** Optional: every activation shape of a pass with this batch size, before the first op (arena sizing). */
  plan?(graph: VggGraph, batch: number): MaybePromise<void>;
  /**
   * Takes a whole weighted layer (spec, input and output shapes, Keras kernel HWIO or `[in, out]`,
   * bias) and returns the backend's prepared form. The caller drops `weights` afterwards: a backend
   * keeps whatever copy it needs.
   */
  prepareLayer(layer: GraphLayer, weights: LayerWeights): MaybePromise<L>;
  disposeLayer(layer: L): void;
  /** Wraps an NHWC batch `[N, H, W, 3]` (the buffer may be reused by the caller afterwards). */
  input(batch: FloatTensor): MaybePromise<T>;
  /** 3×3 'same' convolution, stride 1, + bias, then ReLU, with a layer from `prepareLayer`. */
  conv2dRelu(x: T, layer: L): MaybePromise<T>;
  /** 2×2 max pool, stride 2, 'valid' (odd trailing rows and columns dropped). */
  maxPool2x2(x: T): MaybePromise<T>;
  /** Global average or max over H and W: `[N,H,W,C]` → `[N,C]`. */
  globalPool(x: T, mode: 'avg' | 'max'): MaybePromise<T>;
  /** `[N,H,W,C]` → `[N,H·W·C]` in channels-last order (Keras Flatten). */
  flatten(x: T): MaybePromise<T>;
  /** `x · kernel + bias`, then the activation, with a layer from `prepareLayer`. */
  dense(x: T, layer: L, activation: 'relu' | 'softmax'): MaybePromise<T>;
  /** Copies the activation out as NHWC (or `[N, F]`); the handle stays valid until disposed. */
  read(x: T): Promise<FloatTensor>;
  dispose(x: T): void;
  /** Releases every resource (threads, memory). The instance is unusable afterwards. */
  close(): MaybePromise<void>;
}

/** Creates a backend instance; listed by name in `kernels/src/backends.ts`. */
export type BackendFactory = (options: BackendOptions) => Promise<Backend>;

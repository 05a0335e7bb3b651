import type { GraphLayer, VggGraph } from './graph.js';
import type { FloatTensor } from './tensor.js';
import type { LayerWeights } from './weight-set.js';
import type { WeightStaging } from './ports.js';

/** A value, or a promise of it: a threaded backend may answer asynchronously, a plain one need not. */
export type MaybePromise<T> = T | Promise<T>;

/** A dense layer's activation; `linear` gives the scores before softmax (the class-score objective). */
export type DenseActivation = 'relu' | 'softmax' | 'linear';

/**
 * How a ReLU passes a gradient back: `plain` is TF's ReluGrad (the gradient where the ReLU's output
 * is > 0); `guided` also drops negative gradients (guided backprop, Springenberg et al. 2015).
 */
export type ReluBackwardMode = 'plain' | 'guided';

/**
 * The reverse-pass ops. Each takes the gradient with respect to an op's output (`dy`, a handle of
 * the same backend) and what the forward pass kept, and returns a new handle holding the gradient
 * with respect to the op's input; every handle stays owned by the caller. A backend that has them
 * exposes them as `Backend.backward`; one without leaves it undefined, and `vgg.gradient`
 * then says so, with the backend's own `withoutGradients` advice.
 */
export interface BackwardOps<T = unknown, L = unknown> {
  /** `dy · [y > 0]` from the ReLU's output `y` (TF's ReluGrad); `guided`: also `· [dy > 0]`. */
  relu(dy: T, y: T, mode: ReluBackwardMode): MaybePromise<T>;
  /**
   * ∂/∂x of a 3×3 'same' conv from the gradient at its pre-activation output `dz`: the 3×3 'same'
   * convolution of `dz` with the kernel rotated 180° and its in/out channels swapped. No bias.
   */
  conv2dData(dz: T, layer: L): MaybePromise<T>;
  /**
   * Routes each 2×2 window's gradient to its first maximum of `x` (the pool's input) in row-major
   * order — TF's tie rule; rows and columns the pool dropped get 0. Returns `x`'s shape.
   */
  maxPool2x2(dy: T, x: T): MaybePromise<T>;
  /** `[N,C]` → `[N,H,W,C]` like `x` (the pool's input): spread evenly (avg) or to the first maximum (max). */
  globalPool(dy: T, x: T, mode: 'avg' | 'max'): MaybePromise<T>;
  /** `[N,F]` → `[N,H,W,C]`: Flatten's inverse in channels-last order. */
  unflatten(dy: T, shape: readonly [number, number, number, number]): MaybePromise<T>;
  /** `dz · kernelᵀ`: ∂/∂x of a dense layer from the gradient at its pre-activation output. */
  dense(dz: T, layer: L): MaybePromise<T>;
  /**
   * Optional: make what `conv2dData` and `dense` will need for `layer` (a second form of its
   * weights, say). Called for every such layer of a gradient before its forward pass starts, when
   * the least memory is live, so that a backend's long-lived forms do not land among (and above)
   * the pass's activations.
   */
  prepare?(layer: L): MaybePromise<void>;
  /**
   * Optional: a compact stand-in for a ReLU output `y` that `relu` accepts in its place (`y > 0` is
   * all it reads): the reverse pass keeps this instead of `y` where nothing else reads `y` (a conv
   * output followed by a conv: 30 MB of VGG16's 60 MB of kept outputs at 224²). The caller disposes
   * `y` and, later, the mask.
   */
  mask?(y: T): MaybePromise<T>;
}

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
  /**
   * A backend without `backward` may say what to use instead (shown when a gradient is asked of it):
   * core names no backend, the table in kernels does.
   */
  readonly withoutGradients?: { readonly why: string; readonly hint: string };
  /**
   * Optional: lets the weights reader put kernels straight into this backend's memory; whatever it
   * hands out comes back to `prepareLayer` (or is reclaimed by the backend when a read fails).
   */
  readonly weightStaging?: WeightStaging;
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
  dense(x: T, layer: L, activation: DenseActivation): MaybePromise<T>;
  /**
   * The reverse pass (the capability: absent means this backend computes no gradients). Only
   * `vgg.gradient` uses it; `extract` never keeps what it would need.
   */
  readonly backward?: BackwardOps<T, L>;
  /** Copies the activation out as NHWC (or `[N, F]`); the handle stays valid until disposed. */
  read(x: T): Promise<FloatTensor>;
  dispose(x: T): void;
  /** Releases every resource (threads, memory). The instance is unusable afterwards. */
  close(): MaybePromise<void>;
}

/** Creates a backend instance; listed by name in `kernels/src/backends.ts`. */
export type BackendFactory = (options: BackendOptions) => Promise<Backend>;

import type { FloatTensor } from './tensor.js';

/**
 * What an execution backend must implement to run a VGG graph. `core` declares it; `kernels`
 * fills it (tfjs-wasm for speed, plain TypeScript loops as the reference). `T` is the backend's
 * activation handle, `W` its uploaded-weight handle; both are opaque to core.
 */
export interface Backend<T = unknown, W = unknown> {
  readonly name: string;
  /** Uploads one weight tensor once, so each run reuses it. */
  uploadWeight(tensor: FloatTensor): W;
  disposeWeight(weight: W): void;
  /** Wraps an NHWC batch `[N, H, W, 3]`. */
  input(batch: FloatTensor): T;
  /** 3×3 'same' convolution, stride 1, + bias, then ReLU. Kernel HWIO. */
  conv2dRelu(x: T, kernel: W, bias: W): T;
  /** 2×2 max pool, stride 2, 'valid'. */
  maxPool2x2(x: T): T;
  /** Global average or max over H and W: `[N,H,W,C]` → `[N,C]`. */
  globalPool(x: T, mode: 'avg' | 'max'): T;
  /** `[N,H,W,C]` → `[N,H·W·C]` in channels-last order (Keras Flatten). */
  flatten(x: T): T;
  /** `x · kernel + bias`, then the activation. Kernel `[in, out]`. */
  dense(x: T, kernel: W, bias: W, activation: 'relu' | 'softmax'): T;
  /** Copies the activation out; the handle stays valid until disposed. */
  read(x: T): Promise<FloatTensor>;
  dispose(x: T): void;
}

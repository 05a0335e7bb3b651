import type * as TF from '@tensorflow/tfjs-core';
import { type Backend, type BackendOptions, type FloatTensor, VggError, wrapError } from '@vggscope/core';

// tfjs is loaded when the first instance is created, not when this module is: listing the backend
// in the table costs nothing to processes that use another one.
let tf: typeof TF;
let ready: Promise<void> | undefined;

/**
 * Initialises tfjs' WASM backend (SIMD; single-threaded in Node, so parallelism comes from the
 * worker pool). Safe to call many times.
 */
export function initWasm(): Promise<void> {
  ready ??= (async () => {
    try {
      tf = await import('@tensorflow/tfjs-core');
      await import('@tensorflow/tfjs-backend-wasm');
    } catch (e) {
      ready = undefined; // installing the peers and asking again works without a restart
      throw wrapError(
        'E_USAGE',
        'the tfjs-wasm backend needs TensorFlow.js, an optional peer of @vggscope/kernels that is not installed',
        e,
        'npm i @tensorflow/tfjs-core@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0 (or use the default simd backend)',
      );
    }
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new VggError('E_INTERNAL', 'initWasm: the tfjs wasm backend failed to initialise');
    await tf.ready();
  })();
  return ready;
}

/** Runs `fn` with tfjs on wasm (something else may have switched the global backend), translating heap exhaustion. */
function guard<T>(op: string, fn: () => T): T {
  if (tf.getBackend() !== 'wasm') tf.setBackend('wasm'); // registered and initialised by the factory: switches synchronously
  try {
    return fn();
  } catch (e) {
    throw translateWasmError(op, e);
  }
}

export function translateWasmError(op: string, e: unknown): VggError {
  const msg = e instanceof Error ? e.message : String(e);
  if (/out of bounds|out of memory|Cannot enlarge memory|Array buffer allocation failed/i.test(msg)) {
    return wrapError(
      'E_OUT_OF_MEMORY',
      `${op}: the wasm heap is full (4 GiB max per worker); use a smaller batch or fewer workers`,
      e,
    );
  }
  return wrapError('E_INTERNAL', `${op} failed in the wasm backend`, e);
}

type Layer = { readonly kernel: TF.Tensor; readonly bias: TF.Tensor };

/**
 * tfjs-backend-wasm (XNNPACK in wasm, one thread in Node): the backend every other one is checked
 * against, beside tfjs-layers. tfjs keeps one global engine, so instances share it; each instance
 * owns only the tensors it created. `threads` is ignored (tfjs-wasm is single-threaded in Node).
 * It has no `backward`: tfjs' gradients need its tape around a whole pass, which this op-by-op
 * contract does not give; `vgg.gradient` says to use 'simd' or 'reference'.
 */
export function createTfjsWasmBackend(_options: BackendOptions = {}): Promise<Backend> {
  // Typed as a plain Backend: no shipped declaration names tfjs, an optional peer that may be absent.
  return createInstance() as Promise<Backend>;
}

async function createInstance(): Promise<Backend<TF.Tensor, Layer>> {
  await initWasm();
  if (tf.getBackend() !== 'wasm') await tf.setBackend('wasm');
  return {
    name: 'tfjs-wasm',
    threads: 1,
    withoutGradients: {
      why: "create the model on a backend that does: 'simd' (the default) or 'reference'",
      hint: '--backend simd',
    },
    prepareLayer: (_layer, w) =>
      guard('prepareLayer', () => ({
        kernel: tf.tensor(w.kernel.data, [...w.kernel.shape], 'float32'),
        bias: tf.tensor(w.bias.data, [...w.bias.shape], 'float32'),
      })),
    disposeLayer: (l) => {
      l.kernel.dispose();
      l.bias.dispose();
    },
    input: (b) => guard('input', () => tf.tensor(b.data, [...b.shape], 'float32')),
    conv2dRelu: (x, l) =>
      guard('conv2dRelu', () =>
        tf.fused.conv2d({
          x: x as TF.Tensor4D,
          filter: l.kernel as TF.Tensor4D,
          bias: l.bias,
          strides: 1,
          pad: 'same',
          activation: 'relu',
        }),
      ),
    maxPool2x2: (x) => guard('maxPool', () => tf.maxPool(x as TF.Tensor4D, 2, 2, 'valid')),
    globalPool: (x, mode) => guard('globalPool', () => (mode === 'avg' ? tf.mean(x, [1, 2]) : tf.max(x, [1, 2]))),
    flatten: (x) => guard('flatten', () => tf.reshape(x, [x.shape[0]!, -1])),
    dense: (x, l, activation) =>
      guard('dense', () =>
        activation === 'relu'
          ? tf.fused.matMul({ a: x as TF.Tensor2D, b: l.kernel as TF.Tensor2D, bias: l.bias, activation: 'relu' })
          : activation === 'linear'
            ? tf.fused.matMul({ a: x as TF.Tensor2D, b: l.kernel as TF.Tensor2D, bias: l.bias })
            : tf.tidy(() =>
                tf.softmax(tf.fused.matMul({ a: x as TF.Tensor2D, b: l.kernel as TF.Tensor2D, bias: l.bias })),
              ),
      ),
    read: async (x): Promise<FloatTensor> => {
      // tfjs-wasm's readSync already returns a fresh copy of the heap (HEAPU8.slice): no second copy.
      const data = (await x.data()) as Float32Array;
      return { data, shape: [...x.shape] };
    },
    dispose: (x) => x.dispose(),
    close: () => {},
  };
}

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { type Backend, type FloatTensor, VggError, wrapError } from '@vggscope/core';

let ready: Promise<void> | undefined;

/**
 * Initialises tfjs' WASM backend (SIMD; single-threaded in Node, so parallelism comes from the
 * worker pool). Safe to call many times.
 */
export function initWasm(): Promise<void> {
  ready ??= (async () => {
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new VggError('E_INTERNAL', 'initWasm: the tfjs wasm backend failed to initialise');
    await tf.ready();
  })();
  return ready;
}

/** Makes sure tfjs runs our ops on wasm even if something else switched the global backend. */
async function ensureWasm(): Promise<void> {
  await initWasm();
  if (tf.getBackend() !== 'wasm') await tf.setBackend('wasm');
}

/** Runs `fn`, translating wasm heap exhaustion into our own error. */
function guard<T>(op: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw translateWasmError(op, e);
  }
}

export function translateWasmError(op: string, e: unknown): VggError {
  const msg = e instanceof Error ? e.message : String(e);
  if (/out of bounds|out of memory|Cannot enlarge memory|Array buffer allocation failed/i.test(msg)) {
    return wrapError('E_OUT_OF_MEMORY', `${op}: the wasm heap is full (4 GiB max per worker); use a smaller batch or fewer workers`, e);
  }
  return wrapError('E_INTERNAL', `${op} failed in the wasm backend`, e);
}

export const wasmBackend: Backend<tf.Tensor, tf.Tensor> & { prepare(): Promise<void> } = {
  name: 'wasm',
  prepare: ensureWasm,
  uploadWeight: (t) => guard('uploadWeight', () => tf.tensor(t.data, [...t.shape], 'float32')),
  disposeWeight: (w) => w.dispose(),
  input: (b) => guard('input', () => tf.tensor(b.data, [...b.shape], 'float32')),
  conv2dRelu: (x, k, b) =>
    guard('conv2dRelu', () =>
      tf.fused.conv2d({ x: x as tf.Tensor4D, filter: k as tf.Tensor4D, bias: b, strides: 1, pad: 'same', activation: 'relu' }),
    ),
  maxPool2x2: (x) => guard('maxPool', () => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')),
  globalPool: (x, mode) => guard('globalPool', () => (mode === 'avg' ? tf.mean(x, [1, 2]) : tf.max(x, [1, 2]))),
  flatten: (x) => guard('flatten', () => tf.reshape(x, [x.shape[0]!, -1])),
  dense: (x, k, b, activation) =>
    guard('dense', () =>
      activation === 'relu'
        ? tf.fused.matMul({ a: x as tf.Tensor2D, b: k as tf.Tensor2D, bias: b, activation: 'relu' })
        : tf.tidy(() => tf.softmax(tf.fused.matMul({ a: x as tf.Tensor2D, b: k as tf.Tensor2D, bias: b }))),
    ),
  read: async (x): Promise<FloatTensor> => {
    // tfjs-wasm's readSync already returns a fresh copy of the heap (HEAPU8.slice): no second copy.
    const data = (await x.data()) as Float32Array;
    return { data, shape: [...x.shape] };
  },
  dispose: (x) => x.dispose(),
};

/** Bytes tfjs currently holds (for memory tests and benchmarks). */
export function wasmMemory(): { numTensors: number; numBytes: number } {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
}

export { loadVgg } from './load-vgg.js';
export { BACKENDS, BACKEND_NAMES, DEFAULT_BACKEND, createBackend, type BackendName } from './backends.js';
export { createReferenceBackend } from './reference/reference-backend.js';
export { createTfjsWasmBackend } from './tfjs-wasm/tfjs-wasm-backend.js';
export {
  type KernelArithmetic,
  createSimdBackend,
  relaxedSimdAvailable,
  type SimdBackend,
  type SimdBackendOptions,
} from './simd/index.js';
export { conv2dRelu } from './reference/conv2d-relu.js';
export { maxPool2x2 } from './reference/max-pool.js';
export { dense } from './reference/dense.js';
export { globalPool } from './reference/global-pool.js';
export {
  createVgg,
  type ExtractOptions,
  type Vgg,
  type VggConfig,
  type VggConfigInput,
  type VggInput,
} from '@vggscope/core';

export { createSimdBackend, type SimdBackend, type SimdBackendOptions } from './simd-backend.js';
export { type KernelArithmetic, relaxedSimdAvailable } from './wasm-module.js';
export type { SimdTensor } from './simd-tensor.js';
export type { ConvAlgorithm, SimdLayer } from './prepared-layer.js';

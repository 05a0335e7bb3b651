export { loadVgg, neededLayers, type BackendName, type ExtractOptions, type LoadVggOptions, type Vgg, type VggInput } from './load-vgg.js';
export { referenceBackend } from './reference/reference-backend.js';
export { conv2dRelu } from './reference/conv2d-relu.js';
export { maxPool2x2 } from './reference/max-pool.js';
export { dense } from './reference/dense.js';
export { globalPool } from './reference/global-pool.js';
export { wasmBackend, initWasm, wasmMemory, translateWasmError } from './wasm/wasm-backend.js';
export { VggPool, type VggPoolOptions } from './pool/vgg-pool.js';

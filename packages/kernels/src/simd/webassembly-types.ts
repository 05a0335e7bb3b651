// The WebAssembly types the simd backend uses come from @vggscope/platform as plain interfaces:
// no shipped declaration file augments the global `WebAssembly` namespace any more (one did, and
// collided with lib.dom in consumers' projects without `skipLibCheck`).
export type { WasmMemory, WasmModule } from '@vggscope/platform';

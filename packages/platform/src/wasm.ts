/**
 * The few WebAssembly members the engine uses, typed here rather than as a global declaration:
 * the repository compiles without lib.dom (and @types/node 20 declares no `WebAssembly`), and a
 * shipped `declare global` would collide with lib.dom in a consumer's project. Nothing in a
 * shipped `.d.ts` names the global `WebAssembly` namespace.
 */

/** A compiled module (opaque: it is only handed back to `instantiate` or to a worker). */
export type WasmModule = object;

export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(delta: number): number;
}

export interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports?: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  compile(bytes: Uint8Array): Promise<WasmModule>;
  validate(bytes: Uint8Array): boolean;
}

/** The runtime's `WebAssembly` global, typed. */
export const wasm: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

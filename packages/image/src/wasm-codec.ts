import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// The `WebAssembly` global without the DOM lib (this package compiles against Node types only).
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/**
 * The codec's .wasm in its npm package, else beside this module: a bundle inlines this module and
 * ships the .wasm files next to itself (packages/cli/examples/serverless/build.mjs copies them).
 */
export function codecFile(spec: string): string | URL {
  try {
    return createRequire(import.meta.url).resolve(spec);
  } catch {
    return new URL(`./${spec.slice(spec.lastIndexOf('/') + 1)}`, import.meta.url);
  }
}

/** The exports every C codec compiled with wasi-libc gives us. */
export interface WasmCodecExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  malloc(size: number): number;
  free(ptr: number): void;
}

/**
 * One compiled wasm codec module and a disposable instance of it. A C error path (libjpeg's
 * `longjmp`, a trap, an abort) leaves the instance's stack and heap in an unknown state, so after
 * any failure the instance is dropped and the next call starts a fresh one (~1 ms); after a very
 * large image it is dropped too, so its grown memory is returned to the system.
 */
export class WasmCodec<E extends WasmCodecExports> {
  private module: object | undefined;
  private instance: E | undefined;
  /** libc's stderr output (libjpeg warnings) since the last `takeMessages`. */
  private messages = '';

  constructor(private readonly wasmFile: string) {}

  /** Runs `fn` on a live instance; on any exception the instance is thrown away. */
  run<T>(fn: (exports: E) => T): T {
    const exports = this.instance ?? this.instantiate();
    try {
      return fn(exports);
    } catch (e) {
      this.instance = undefined;
      throw e;
    } finally {
      if (this.instance && this.instance.memory.buffer.byteLength > RELEASE_ABOVE_BYTES) this.instance = undefined;
    }
  }

  takeMessages(): string {
    const m = this.messages;
    this.messages = '';
    return m;
  }

  private instantiate(): E {
    this.module ??= new wasm.Module(readFileSync(codecFile(this.wasmFile)));
    let memory: WasmCodecExports['memory'] | undefined;
    const fail = (what: string) => () => {
      throw new Error(`codec called ${what}`);
    };
    const imports = {
      // libjpeg's error_exit longjmps back to TurboJPEG's setjmp; a JS exception unwinds the same way.
      env: { setjmp: () => 0, longjmp: fail('longjmp (decoder error)') },
      wasi_snapshot_preview1: {
        environ_sizes_get: (countPtr: number, sizePtr: number) => {
          new DataView(memory!.buffer).setUint32(countPtr, 0, true);
          new DataView(memory!.buffer).setUint32(sizePtr, 0, true);
          return 0;
        },
        environ_get: () => 0,
        proc_exit: fail('exit'),
        fd_close: () => 0,
        fd_seek: () => 0,
        // Keep what libc writes to stderr and report it all as written: a stub that reports 0 bytes
        // makes musl's stdio retry forever.
        fd_write: (_fd: number, iovs: number, iovsLen: number, nWrittenPtr: number) => {
          const view = new DataView(memory!.buffer);
          let total = 0;
          for (let i = 0; i < iovsLen; i++) {
            const ptr = view.getUint32(iovs + i * 8, true);
            const len = view.getUint32(iovs + i * 8 + 4, true);
            if (this.messages.length < 4096)
              this.messages += new TextDecoder().decode(new Uint8Array(memory!.buffer, ptr, len));
            total += len;
          }
          view.setUint32(nWrittenPtr, total, true);
          return 0;
        },
      },
    };
    const instance = new wasm.Instance(this.module, imports);
    const exports = instance.exports as unknown as E;
    memory = exports.memory;
    this.instance = exports;
    return exports;
  }
}

const RELEASE_ABOVE_BYTES = 256 * 1024 * 1024;

/** Copies `bytes` into the codec's heap; returns the pointer (the caller frees it). */
export function copyIn(e: WasmCodecExports, bytes: Uint8Array): number {
  const ptr = e.malloc(bytes.byteLength);
  if (ptr === 0) throw new Error(`out of wasm memory for ${bytes.byteLength} input bytes`);
  new Uint8Array(e.memory.buffer, ptr, bytes.byteLength).set(bytes);
  return ptr;
}

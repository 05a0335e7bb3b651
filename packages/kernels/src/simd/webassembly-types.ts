// The repo compiles with lib ES2023 and no DOM, and @types/node 20 declares no WebAssembly
// global: these are the few members the simd backend uses (shapes as in lib.dom.d.ts, so a
// project that adds DOM later merges them without conflict).
declare global {
  namespace WebAssembly {
    interface Module {}
    var Module: { prototype: Module; new (bytes: BufferSource): Module };
    interface Instance {
      readonly exports: Record<string, unknown>;
    }
    var Instance: {
      prototype: Instance;
      new (module: Module, imports?: Record<string, Record<string, unknown>>): Instance;
    };
    interface MemoryDescriptor {
      initial: number;
      maximum?: number;
      shared?: boolean;
    }
    interface Memory {
      readonly buffer: ArrayBuffer | SharedArrayBuffer;
      grow(delta: number): number;
    }
    var Memory: { prototype: Memory; new (descriptor: MemoryDescriptor): Memory };
    function compile(bytes: BufferSource): Promise<Module>;
    function validate(bytes: BufferSource): boolean;
  }
  type BufferSource = ArrayBufferView | ArrayBuffer;
}

export {};

import { readFileSync } from 'node:fs';
import { codecFile, wasm } from './wasm-codec.js';

/** The wasm of `@saschazar/wasm-webp` 3.0.1: libwebp 1.1.0 and an embind `decode(bytes, length, alpha)`. */
export const LIBWEBP_WASM = '@saschazar/wasm-webp/wasm_webp.wasm';

/**
 * Imports the build expects, by the minified names its JavaScript glue gives them (`asmLibraryArg`
 * in `wasm_webp.js`). The version is pinned; `libwebp-rgb.test.ts` checks this list against the
 * module, so an upgrade that renames them fails there and not in a user's decode.
 */
export const LIBWEBP_IMPORTS = 'abcdefghijklmnopqrstuvwxy'.split('');

interface Exports {
  /** memory */ z: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  /** __wasm_call_ctors: runs the embind registrations */ A(): void;
  /** the function table */ B: { get(index: number): (...args: number[]) => number };
  /** malloc */ C(size: number): number;
}

let compiled: object | undefined;

/**
 * libwebp's `WebPDecodeRGB` of a still WebP: its 8-bit RGB pixels, a view on the decoder's own
 * wasm memory (no copy; the memory is released with the view), or `undefined` when libwebp
 * refuses the file (corrupt, truncated, unsupported).
 *
 * The package's JavaScript glue is not used: in Node it installs process-wide
 * `uncaughtException`/`unhandledRejection` handlers, it loads asynchronously, and it is CommonJS.
 * The wasm is instantiated here with the few embind imports `decode` reaches (function
 * registration, to find `decode`; taking a memory view as a value, its result; heap growth); the
 * rest do nothing. The package's `decode` frees its input string's storage, which the string's
 * destructor then frees again, so its heap is unsound after each call: every decode runs on a
 * fresh instance (about a millisecond) that is dropped afterwards, which also hands a large
 * image's memory back to the system.
 *
 * @example
 * const rgb = webpDecodeRgb(bytes); // Uint8Array(width * height * 3) | undefined
 */
export function webpDecodeRgb(bytes: Uint8Array): Uint8Array | undefined {
  compiled ??= new wasm.Module(readFileSync(codecFile(LIBWEBP_WASM)));
  let e: Exports | undefined;
  let decode: { invoker: (...args: number[]) => number; fn: number } | undefined;
  let view: { size: number; data: number } | undefined;
  let outOfMemory = false;
  const u8 = () => new Uint8Array(e!.z.buffer);
  const latin1 = (ptr: number) => {
    const heap = u8();
    let end = ptr;
    while (heap[end] !== 0) end++;
    return String.fromCharCode(...heap.subarray(ptr, end));
  };
  const nothing = () => 0;
  const fail = (what: string) => () => {
    throw new Error(`libwebp ${what}`);
  };
  const env: Record<string, (...args: number[]) => number | void> = Object.fromEntries(
    LIBWEBP_IMPORTS.map((name) => [name, nothing]),
  );
  Object.assign(env, {
    // embind's _embind_register_function(name, argCount, argTypes, signature, rawInvoker, fn)
    d: (name: number, _argc: number, _types: number, _sig: number, invoker: number, fn: number) => {
      if (latin1(name) === 'decode') decode = { invoker: e!.B.get(invoker), fn };
    },
    // _emval_take_value(type, argv): the only value `decode` returns is typed_memory_view(size, data)
    h: (_type: number, argv: number) => {
      const words = new Uint32Array(e!.z.buffer, argv, 2);
      view = { size: words[0]!, data: words[1]! };
      return 5; // the first handle embind gives out; nothing reads it back
    },
    e: fail('threw a C++ exception'), // __cxa_allocate_exception (encode's errors only)
    o: fail('threw a C++ exception'), // __cxa_throw
    i: fail('called abort()'),
    // emscripten_resize_heap(requested): malloc's sbrk asks for this many bytes in all
    q: (requested: number) => {
      const pages = Math.ceil(((requested >>> 0) - e!.z.buffer.byteLength) / 65536);
      try {
        if (pages > 0) e!.z.grow(pages);
        return 1;
      } catch {
        outOfMemory = true;
        return 0;
      }
    },
  });
  e = new wasm.Instance(compiled, { a: env }).exports as unknown as Exports;
  e.A();
  if (!decode) throw new Error(`${LIBWEBP_WASM} registered no 'decode' function`);
  const wire = e.C(4 + bytes.byteLength + 1); // embind's std::string wire form: u32 length, bytes
  if (wire === 0) throw new Error(`out of wasm memory for ${bytes.byteLength} input bytes`);
  new DataView(e.z.buffer).setUint32(wire, bytes.byteLength, true);
  u8().set(bytes, wire + 4);
  decode.invoker(decode.fn, wire, bytes.byteLength, 0); // alpha = false: WebPDecodeRGB
  if (outOfMemory) throw new Error('out of wasm memory (libwebp needs more than 2 GiB)');
  if (!view || view.data === 0) return undefined;
  return new Uint8Array(e.z.buffer, view.data, view.size);
}

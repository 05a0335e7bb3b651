import { VggError } from '@vggscope/core';
import {
  type AssetRequest,
  type WasmMemory,
  type WasmModule,
  isCompiledModule,
  noticeOnce,
  platform,
  providedAsset,
  wasm,
} from '@vggscope/platform';

/**
 * How the kernels' GEMM multiplies and adds, one build each:
 * - `fma`: relaxed SIMD, `relaxed_madd` fused in hardware (V8 on x86: vfmadd231ps);
 * - `fma-emulated`: plain SIMD, each multiply-add computed in float64 and rounded once to float32 — the
 *   bytes of the `fma` build where an engine has no fused relaxed_madd (JavaScriptCore), ≈ 5× slower passes;
 * - `mul-add`: plain SIMD, a rounded product then an add: fast everywhere, ≈ 3e-6 relative L2 from `fma`.
 */
export type KernelArithmetic = 'fma' | 'fma-emulated' | 'mul-add';

const FILES: Record<KernelArithmetic, string> = {
  fma: 'vggscope-simd-fma.wasm',
  'fma-emulated': 'vggscope-simd-fma-emulated.wasm',
  'mul-add': 'vggscope-simd.wasm',
};

/**
 * Where a build is looked for, in order (the platform reads it): `$VGGSCOPE_WASM_DIR`; beside this
 * module, which is where a bundle's folder (the serverless example) or a page (`vggscope serve`)
 * keeps them; where `npm run build:wasm` writes them (`packages/kernels/wasm/`, shipped in the
 * package): two folders up from src/simd/ and dist/simd/, one up from dist/index.js, which inlines
 * this module (scripts/bundle-dist.mjs; bundle: any depth). `provideAsset(file, …)` overrides them all.
 */
function request(file: string): AssetRequest {
  return {
    file,
    places: [
      new URL('./', import.meta.url),
      new URL('../../wasm/', import.meta.url),
      new URL('../wasm/', import.meta.url),
    ],
    envDir: 'VGGSCOPE_WASM_DIR',
    owner: 'simd backend',
    hint: "in the repository run 'npm run build:wasm' (or 'npm run build'); for a bundle, copy packages/kernels/wasm/*.wasm beside it or set VGGSCOPE_WASM_DIR",
  };
}

export interface KernelModule {
  readonly module: WasmModule;
  readonly arithmetic: KernelArithmetic;
  /** True when the module imports a shared memory (threads possible); false where there is none. */
  readonly shared: boolean;
}

const cache = new Map<string, Promise<KernelModule>>();

/**
 * Compiles the kernels once per process. Default: the `fma` build when the engine's relaxed SIMD
 * multiply-add is fused (on Node 20 only after `--experimental-wasm-relaxed-simd`, set here before the
 * compile; the flag is process-wide), else `fma-emulated` (said once): the same bytes everywhere,
 * slower. `fma: true` asks for `fma` and fails without it; `fma: 'emulated'` and `fma: false`
 * (`mul-add`) choose those builds. Without shared memory (a page that is not cross-origin isolated)
 * the module's memory import is made unshared: one thread.
 */
export function compileKernels(fma?: boolean | 'emulated'): Promise<KernelModule> {
  const arithmetic = chooseArithmetic(fma);
  const shared = platform.sharedMemory();
  const key = `${arithmetic}/${shared}`;
  let entry = cache.get(key);
  if (!entry) {
    entry = compile(arithmetic, shared);
    cache.set(key, entry);
  }
  return entry;
}

function chooseArithmetic(fma: boolean | 'emulated' | undefined): KernelArithmetic {
  if (fma === false) return 'mul-add';
  if (fma === 'emulated') return 'fma-emulated';
  if (relaxedSimdAvailable()) return 'fma';
  if (fma === true) {
    throw new VggError(
      'E_USAGE',
      'simd backend: fma: true needs a fused relaxed-SIMD multiply-add, which this JavaScript engine does not have',
      {
        hint: 'leave fma unset (the fused multiply-add is then emulated: the same bytes, slower) or pass fma: false (mul+add: fast, ≈ 3e-6 relative L2 from the fused results)',
      },
    );
  }
  noticeOnce(
    "simd backend: this JavaScript engine has no fused relaxed-SIMD multiply-add; emulating it (the same features as Node's, bit for bit, about 5× slower; createSimdBackend({ fma: false }) is fast and ≈ 3e-6 relative L2 away)",
  );
  return 'fma-emulated';
}

/** The memory the kernels run on: shared where the platform has shared memory, like the module's import. */
export function kernelMemory(initial: number, maximum: number, shared: boolean): WasmMemory {
  return new wasm.Memory({ initial, maximum, shared });
}

async function compile(arithmetic: KernelArithmetic, shared: boolean): Promise<KernelModule> {
  const file = FILES[arithmetic];
  const given = providedAsset(file);
  if (given !== undefined && isCompiledModule(given)) return { module: given, arithmetic, shared: true };
  const bytes = await platform.readAsset(request(file));
  const source = shared ? bytes : unshareMemoryImport(bytes);
  // Synchronous where the engine allows it: the module is 9 KB (< 1 ms), while an asynchronous
  // compile right after a cold start's ~100 modules waits 10–40 ms behind V8's background work.
  // Browsers keep the asynchronous compile (they refuse larger synchronous ones on the main thread).
  const module = platform.name === 'node' ? new wasm.Module(source) : await wasm.compile(source);
  return { module, arithmetic, shared };
}

/**
 * A copy of a module whose imported memory is declared unshared (limits flag 0x03 → 0x01). The
 * kernels use atomic read-modify-writes only, which are valid on an unshared memory; they never
 * wait. Used where shared memory does not exist, so the same build runs on one thread.
 */
export function unshareMemoryImport(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  let p = 8;
  const leb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = out[p++]!;
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  };
  while (p < out.length) {
    const id = out[p++]!;
    const size = leb();
    const end = p + size;
    if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        const moduleName = leb();
        p += moduleName;
        const fieldName = leb();
        p += fieldName;
        const kind = out[p++]!;
        if (kind === 0x02) {
          if (out[p] === 0x03) out[p] = 0x01;
          return out;
        }
        if (kind === 0x00)
          leb(); // function: type index
        else if (kind === 0x01) {
          p++; // table: reftype, then limits (flag, min, max when flag bit 0)
          const flag = out[p++]!;
          leb();
          if (flag & 1) leb();
        } else if (kind === 0x03)
          p += 2; // global: valtype, mutability
        else break;
      }
    }
    p = end;
  }
  throw new VggError('E_INTERNAL', 'simd backend: the kernel module imports no memory');
}

// The smallest module using a relaxed-SIMD instruction: (func (param v128 v128 v128) (result v128) f32x4.relaxed_madd).
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

// (func (export "f") (param f32 f32 f32) (result f32) splat each, f32x4.relaxed_madd, extract lane 0).
const MADD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7d, 0x7d, 0x7d, 0x01, 0x7d, 0x03,
  0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, 0x0a, 0x16, 0x01, 0x14, 0x00, 0x20, 0x00, 0xfd, 0x13,
  0x20, 0x01, 0xfd, 0x13, 0x20, 0x02, 0xfd, 0x13, 0xfd, 0x85, 0x02, 0xfd, 0x1f, 0x00, 0x0b,
]);

let relaxed: boolean | undefined;

/**
 * Whether relaxed SIMD validates *and* its multiply-add is fused, turning it on first where the
 * engine hides it behind a flag (Node 20). Relaxed SIMD lets an engine compute `relaxed_madd` as a
 * rounded multiply then an add (JavaScriptCore, in Bun, does): there the FMA build would give
 * other bytes than Node's, so the mul+add build — made for that — runs instead.
 */
export function relaxedSimdAvailable(): boolean {
  if (relaxed === undefined) {
    if (!wasm.validate(RELAXED_PROBE)) platform.enableRelaxedSimd();
    relaxed = wasm.validate(RELAXED_PROBE) && maddIsFused();
  }
  return relaxed;
}

/** (1 + 2⁻¹²)² − (1 + 2⁻¹¹) is 2⁻²⁴ exactly when fused, 0 when the product is rounded to float32 first. */
function maddIsFused(): boolean {
  const { exports } = new wasm.Instance(new wasm.Module(MADD_PROBE));
  const a = 1 + 2 ** -12;
  return (exports.f as (a: number, b: number, c: number) => number)(a, a, -(1 + 2 ** -11)) === 2 ** -24;
}

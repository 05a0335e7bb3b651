import './webassembly-types.js';
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { VggError } from '@vggscope/core';

/**
 * Where the two builds are looked for, in order: `$VGGSCOPE_WASM_DIR`; where `npm run build:wasm`
 * writes them (`packages/kernels/wasm/`, the same depth from src/ and dist/, and shipped in the
 * package); beside this module, which is where a bundle's folder keeps them (see the serverless example).
 */
function wasmDirs(): URL[] {
  const env = process.env.VGGSCOPE_WASM_DIR;
  return [
    ...(env ? [pathToFileURL(env.endsWith('/') ? env : `${env}/`)] : []),
    new URL('../../wasm/', import.meta.url),
    new URL('./', import.meta.url),
  ];
}
const FMA_FILE = 'vggscope-simd-fma.wasm';
const PLAIN_FILE = 'vggscope-simd.wasm';

export interface KernelModule {
  readonly module: WebAssembly.Module;
  /** True for the relaxed-SIMD build (fused multiply-add). */
  readonly fma: boolean;
}

const cache = new Map<boolean, Promise<KernelModule>>();

/**
 * Compiles the kernels once per process: the FMA build when the engine accepts relaxed SIMD
 * (on Node 20 only after `--experimental-wasm-relaxed-simd`, set here before the compile; the flag
 * is process-wide), else the mul+add build. `fma: false` forces the portable build; `fma: true`
 * fails when relaxed SIMD is unavailable.
 */
export function compileKernels(fma?: boolean): Promise<KernelModule> {
  const key = fma ?? relaxedSimdAvailable();
  let entry = cache.get(key);
  if (!entry) {
    entry = compile(key, fma === true);
    cache.set(key, entry);
  }
  return entry;
}

async function compile(useFma: boolean, required: boolean): Promise<KernelModule> {
  if (required && !relaxedSimdAvailable()) {
    throw new VggError(
      'E_USAGE',
      'simd backend: fma: true needs relaxed SIMD, which this JavaScript engine does not support',
    );
  }
  const file = useFma ? FMA_FILE : PLAIN_FILE;
  const places = wasmDirs().map((d) => new URL(file, d));
  for (const place of places) {
    const bytes = await readFile(place).catch(() => undefined);
    if (bytes) return { module: await WebAssembly.compile(bytes), fma: useFma };
  }
  throw new VggError(
    'E_INTERNAL',
    `simd backend: ${file} not found (looked in ${places.map((p) => fileURLToPath(p)).join(', ')}); ` +
      "in the repository run 'npm run build:wasm' (or 'npm run build'); for a bundle, copy packages/kernels/wasm/*.wasm beside it or set VGGSCOPE_WASM_DIR",
  );
}

// The smallest module using a relaxed-SIMD instruction: (func (param v128 v128 v128) (result v128) f32x4.relaxed_madd).
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

let relaxed: boolean | undefined;

/** Whether relaxed SIMD validates, turning V8's flag on first where the engine needs it (Node 20). */
export function relaxedSimdAvailable(): boolean {
  if (relaxed === undefined) {
    relaxed = WebAssembly.validate(RELAXED_PROBE);
    if (!relaxed) {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
      relaxed = WebAssembly.validate(RELAXED_PROBE);
    }
  }
  return relaxed;
}

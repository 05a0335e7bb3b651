import { type Backend, type BackendFactory, type BackendOptions, VggError } from '@vggscope/core';
import { createReferenceBackend } from './reference/reference-backend.js';
import { createSimdBackend } from './simd/simd-backend.js';
import { createTfjsWasmBackend } from './tfjs-wasm/tfjs-wasm-backend.js';

/**
 * Every backend, by name: adding one is a folder of its own plus one line here. Factories load
 * their heavy dependencies on demand, so choosing one backend never loads another's runtime
 * (tfjs stays unloaded when it is not used, and a bundler leaves it out when told it is external:
 * the web build does). The backend modules themselves are imported statically: a dynamic
 * `import('./simd/…')` is not resolved by tsx inside a piscina worker running from source. The golden-op and parity tests iterate this table.
 */
export const BACKENDS = {
  simd: {
    summary:
      'our WebAssembly SIMD kernels: Winograd F(6×6)/F(4×4)/F(2×2) with FMA, chosen per layer, one image on all threads (default)',
    create: (o) => createSimdBackend(o) as Promise<Backend>,
  },
  'tfjs-wasm': {
    summary: 'tfjs-backend-wasm (XNNPACK, one thread in Node): the previous engine, kept as a reference',
    create: (o) => createTfjsWasmBackend(o) as Promise<Backend>,
  },
  reference: {
    summary: 'plain TypeScript loops, float64 sums: slow, for cross-checks on tiny inputs',
    create: (o) => createReferenceBackend(o) as Promise<Backend>,
  },
} as const satisfies Record<string, { summary: string; create: BackendFactory }>;

export type BackendName = keyof typeof BACKENDS;
/** Every backend's name; the first is the default. */
export const BACKEND_NAMES = Object.keys(BACKENDS) as BackendName[];
export const DEFAULT_BACKEND: BackendName = BACKEND_NAMES[0]!;

/** Creates a backend by name (default: `DEFAULT_BACKEND`); an unknown name is a usage error listing the known ones. */
export async function createBackend(name: string = DEFAULT_BACKEND, options: BackendOptions = {}): Promise<Backend> {
  const entry = (BACKENDS as Record<string, { create: BackendFactory }>)[name];
  if (!entry) {
    throw new VggError('E_USAGE', `unknown backend '${name}'; use one of: ${BACKEND_NAMES.join(', ')}`, {
      hint: `--backend ${BACKEND_NAMES.join('|')}`,
    });
  }
  return entry.create(options);
}

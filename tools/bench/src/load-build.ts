import { pathToFileURL } from 'node:url';
import * as core from '@vggscope/core';
import * as simd from '@vggscope/kernels/simd';
import * as synth from '@vggscope/synth-weights';
import * as open from '@vggscope/weights/open';

/** What build-hashes.ts and build-ab.ts take from a checkout: its simd backend and the helpers around it. */
export interface Build {
  readonly root: string;
  readonly createSimdBackend: typeof simd.createSimdBackend;
  readonly buildGraph: typeof core.buildGraph;
  readonly createVgg: typeof core.createVgg;
  readonly resolveVggConfig: typeof core.resolveVggConfig;
  readonly synthWeights: typeof synth.synthWeights;
  readonly openWeights: typeof open.openWeights;
}

/**
 * This checkout's modules, or (`root`) another built checkout's (`npm run build` there): its dist
 * files are other module instances, so its simd backend finds its own `packages/kernels/wasm/` builds
 * and both can run in one process (the only fair A/B on a shared machine). Leave VGGSCOPE_WASM_DIR unset.
 * @example (await loadBuild('/work/baseline')).createSimdBackend({ threads: 1 }) // the baseline's kernels
 */
export async function loadBuild(root?: string): Promise<Build> {
  if (process.env.VGGSCOPE_WASM_DIR)
    throw new Error('load-build: unset VGGSCOPE_WASM_DIR (each build must find its own wasm)');
  if (root === undefined) return { root: '.', ...pick(core, simd, synth, open) };
  const at = (p: string): Promise<never> => import(pathToFileURL(`${root}/${p}`).href) as Promise<never>;
  const [c, s, w, o] = await Promise.all([
    at('packages/core/dist/index.js') as Promise<typeof core>,
    at('packages/kernels/dist/simd/index.js') as Promise<typeof simd>,
    at('tools/synth-weights/dist/index.js') as Promise<typeof synth>,
    at('packages/weights/dist/open-weights.js') as Promise<typeof open>,
  ]);
  return { root, ...pick(c, s, w, o) };
}

function pick(c: typeof core, s: typeof simd, w: typeof synth, o: typeof open): Omit<Build, 'root'> {
  return {
    createSimdBackend: s.createSimdBackend,
    buildGraph: c.buildGraph,
    createVgg: c.createVgg,
    resolveVggConfig: c.resolveVggConfig,
    synthWeights: w.synthWeights,
    openWeights: o.openWeights,
  };
}

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { VggError } from '@vggscope/core';

/** How to start a worker file with `node:worker_threads` (or piscina), wherever the caller runs from. */
export interface WorkerScript {
  /** The file to run (piscina, `new Worker(filename)`). */
  readonly filename: string;
  /** Extra Node flags the worker needs (from source: the source condition and tsx's loader). */
  readonly execArgv?: string[];
  /**
   * From source only: a one-line script for `new Worker(code, { eval: true })` that registers tsx
   * inside the worker and imports the `.ts` file (in Node 20 a raw worker's `.ts` entry gets no
   * hooks from `--import tsx`; piscina's own JavaScript entry does).
   */
  readonly evalCode?: string;
}

/**
 * The one locator for worker files (the piscina pool's, the HDF5 reader's): `stem` beside the
 * calling module — `stem.ts` when running from source (tests, tsx), `stem.js` from `dist` and from
 * an installed package — or `bundled` beside the bundle that inlined the caller (looked for first) (a bundler gives
 * the whole bundle one `import.meta.url`, so a worker must be its own entry, named `bundled`; see
 * packages/cli/examples/serverless/build.mjs).
 * @example locateWorkerScript(import.meta.url, 'worker', 'vggscope-pool-worker.mjs') // { filename: '…/dist/pool/worker.js' }
 */
export function locateWorkerScript(callerUrl: string, stem: string, bundled: string): WorkerScript {
  if (callerUrl.endsWith('.ts')) {
    const entry = new URL(`./${stem}.ts`, callerUrl);
    const tsx = tsxUrls();
    return {
      filename: fileURLToPath(entry),
      execArgv: ['--conditions=@vggscope/source', '--import', tsx.loader],
      evalCode: `import(${JSON.stringify(tsx.api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`,
    };
  }
  // The bundled name first: beside a bundle, `stem.js` may be someone else's file (piscina's own
  // thread wrapper is `worker.js`, the pool's worker stem too).
  const places = [new URL(`./${bundled}`, callerUrl), new URL(`./${stem}.js`, callerUrl)];
  const found = places.find((p) => existsSync(p));
  if (found) return { filename: fileURLToPath(found) };
  throw new VggError(
    'E_INTERNAL',
    `worker script not found (looked for ${places.map((p) => fileURLToPath(p)).join(' and ')})`,
    {
      hint: `a bundle must ship the worker as its own entry named ${bundled} beside it (see packages/cli/examples/serverless/build.mjs)`,
    },
  );
}

/** tsx's loader and API (a dev dependency of the repository, the only place sources run from), not from the cwd. */
function tsxUrls(): { loader: string; api: string } {
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  return {
    loader: pathToFileURL(join(dirname(pkg), 'dist/loader.mjs')).href,
    api: pathToFileURL(join(dirname(pkg), 'dist/esm/api/index.mjs')).href,
  };
}

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { VggError } from '@vggscope/core';
import {
  type AssetRequest,
  type Platform,
  type PlatformWorker,
  assetNotFound,
  bytesOf,
  folderUrl,
  isCompiledModule,
  providedAsset,
} from './platform.js';

export * from './platform.js';
export * from './wasm.js';
export { locateWorkerScript, type WorkerScript } from './worker-script.js';

/** Node's implementation (Deno and Bun run it through their `node:` compatibility). */
export const platform: Platform = {
  name: 'node',
  cores: () => availableParallelism(),
  // Every worker_threads runtime has SharedArrayBuffer, and any of its threads may block.
  whyNoThreads: () =>
    typeof SharedArrayBuffer === 'function' ? undefined : 'this runtime has no SharedArrayBuffer (shared memory)',
  sharedMemory: () => typeof SharedArrayBuffer === 'function',
  startWorker,
  readAsset,
  enableRelaxedSimd: () => {
    try {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      // Not V8 (Bun's JavaScriptCore): nothing to turn on; the caller falls back to the mul+add build.
    }
  },
  filePaths: true,
};

/** The worker gets `data` as its first message (a compiled module and a shared memory clone fine). */
function startWorker(body: string, data: unknown): PlatformWorker {
  // Eval'd as CommonJS, or as an ES module (no `require`) when the process runs with
  // `--input-type=module` (`node --input-type=module -e …`), which the worker inherits.
  const source = [
    `const body = (${body});`,
    "const start = ({ parentPort }) => parentPort.once('message', (data) => body(data, (m) => parentPort.postMessage(m)));",
    "if (typeof require === 'function') start(require('node:worker_threads'));",
    "else import('node:worker_threads').then(start);",
  ].join('\n');
  const worker = new Worker(source, { eval: true });
  worker.unref(); // a forgotten close() must not keep the process alive
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with code ${code} before it was ready`)));
  });
  ready.catch(() => {}); // observed by the caller; never an unhandled rejection here
  worker.postMessage(data);
  return {
    ready,
    terminate: async () => {
      await worker.terminate();
    },
  };
}

async function readAsset(request: AssetRequest): Promise<Uint8Array> {
  const given = providedAsset(request.file);
  if (given !== undefined && !isCompiledModule(given)) return bytesOf(given as Uint8Array | ArrayBuffer | URL | string);
  const env = request.envDir ? process.env[request.envDir] : undefined;
  const dirs = [...(env ? [folderUrl(pathToFileURL(env))] : []), ...request.places];
  const looked: string[] = [];
  for (const dir of dirs) {
    const place = new URL(request.file, dir);
    if (place.protocol !== 'file:') {
      looked.push(place.href);
      const bytes = await bytesOf(place).catch(() => undefined);
      if (bytes) return bytes;
      continue;
    }
    looked.push(fileURLToPath(dir));
    if (existsSync(place)) return new Uint8Array(await readFile(place));
  }
  throw assetNotFound(request, looked);
}

/** For callers that must fail early with the same message (e.g. before starting workers). */
export function assetMissing(request: AssetRequest): VggError {
  return assetNotFound(
    request,
    request.places.map((p) => p.href),
  );
}

import { VggError } from '@vggscope/core';
import {
  type AssetRequest,
  type Platform,
  type PlatformWorker,
  assetNotFound,
  bytesOf,
  isCompiledModule,
  providedAsset,
} from './platform.js';

export * from './platform.js';
export * from './wasm.js';

interface WebGlobals {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
  WorkerGlobalScope?: unknown;
  document?: unknown;
  Worker?: new (url: string | URL, options?: { type?: string; name?: string }) => WebWorker;
  Blob?: new (parts: string[], options: { type: string }) => object;
  URL: typeof URL & { createObjectURL?(blob: object): string; revokeObjectURL?(url: string): void };
}
interface WebWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: 'message' | 'error', listener: (event: { data?: unknown; message?: string }) => void): void;
}
const web = globalThis as unknown as WebGlobals;

/** Browsers and web-standard runtimes: Web Workers, `fetch`, `navigator`. */
export const platform: Platform = {
  name: 'web',
  cores: () => web.navigator?.hardwareConcurrency ?? 1,
  whyNoThreads,
  sharedMemory: () => typeof SharedArrayBuffer === 'function' && web.crossOriginIsolated !== false,
  startWorker,
  readAsset,
  enableRelaxedSimd: () => {}, // browsers ship relaxed SIMD unflagged (Chromium ≥ 114) or not at all
  filePaths: false,
};

function whyNoThreads(): string | undefined {
  if (typeof SharedArrayBuffer !== 'function' || web.crossOriginIsolated === false)
    return 'the page is not cross-origin isolated (serve it with the COOP/COEP headers for shared memory)';
  if (web.document !== undefined)
    return "a page's main thread may not block in Atomics.wait (run the engine in a dedicated worker)";
  if (typeof web.Worker !== 'function') return 'this runtime has no Web Workers';
  return undefined;
}

/** A classic worker from a blob: URL (the page's CSP needs `worker-src blob:`); `data` is its first message. */
function startWorker(body: string, data: unknown): PlatformWorker {
  const source = `const body = (${body});\nself.onmessage = (e) => { self.onmessage = null; body(e.data, (m) => self.postMessage(m)); };`;
  const url = web.URL.createObjectURL!(new web.Blob!([source], { type: 'text/javascript' }));
  const worker = new web.Worker!(url, { name: 'vggscope-kernels' });
  const ready = new Promise<void>((resolve, reject) => {
    worker.addEventListener('message', () => resolve());
    worker.addEventListener('error', (e) => reject(new Error(e.message ?? 'worker failed to start')));
  });
  ready.catch(() => {}).finally(() => web.URL.revokeObjectURL!(url));
  worker.postMessage(data);
  return {
    ready,
    terminate: async () => worker.terminate(),
  };
}

/** A registered asset, else the first place that answers 200 (a page serves its `.wasm` files beside its script). */
async function readAsset(request: AssetRequest): Promise<Uint8Array> {
  const given = providedAsset(request.file);
  if (given !== undefined && !isCompiledModule(given)) return bytesOf(given as Uint8Array | ArrayBuffer | URL | string);
  const looked: string[] = [];
  for (const dir of request.places) {
    const place = new URL(request.file, dir);
    looked.push(place.href);
    const bytes = await bytesOf(place).catch(() => undefined);
    if (bytes) return bytes;
  }
  throw assetNotFound(request, looked);
}

/** How to start a worker file (Node-only facility; the web implementation has none). */
export interface WorkerScript {
  readonly filename: string;
  readonly execArgv?: string[];
  readonly evalCode?: string;
}

/** Worker files (the piscina pool, the HDF5 reader) exist only where worker_threads does. */
export function locateWorkerScript(_callerUrl: string, stem: string, _bundled: string): WorkerScript {
  throw new VggError('E_USAGE', `${stem}: worker files run only in Node, Deno and Bun, not in a browser`);
}

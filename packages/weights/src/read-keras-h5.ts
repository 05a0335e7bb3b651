import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { type ErrorCode, VggError } from '@vggscope/core';
import { locateWorkerScript, platform } from '@vggscope/platform';
import { type KerasH5Contents, type ParseOptions, loadH5wasm, parseKerasH5, withH5File } from './keras-h5-parse.js';

export type { KerasH5Contents, KerasH5Layout } from './keras-h5-parse.js';

export interface ReadOptions {
  /** Read tensor data only for these layer names (shapes are always read). */
  readonly only?: ReadonlySet<string>;
  /**
   * Time budget for opening and reading the file, counted once the reader is up (default
   * {@link parseBudgetMs}: about 1 s plus 1 s per 10 MB): past it the worker is terminated and the
   * read fails with E_WEIGHTS_FORMAT instead of hanging.
   */
  readonly timeoutMs?: number;
  /** Largest tensor accepted (default 1 GiB; VGG's largest, fc1, is 411 MB). */
  readonly maxDatasetBytes?: number;
  /**
   * Parse in this thread instead of a worker (no time budget, and a wasm abort() could take the
   * process state with it). For bundles that cannot ship the worker file.
   */
  readonly inProcess?: boolean;
}

export interface H5WorkerRequest {
  readonly path: string;
  readonly options: ParseOptions;
}

export type H5WorkerReply =
  | { readonly type: 'ok'; readonly result: KerasH5Contents; readonly heapBytes: number }
  | { readonly type: 'error'; readonly code: ErrorCode; readonly message: string }
  | { readonly type: 'foreign'; readonly message: string; readonly fatal: boolean };

const DEFAULT_MAX_DATASET_BYTES = 2 ** 30;

/** Starting a worker and instantiating h5wasm (~1 s, more on a busy machine) is not the file's time. */
const STARTUP_BUDGET_MS = 60_000;

/**
 * The parse budget scales with the file and with how fast this machine is right now: HDF5 reads a
 * valid file at hundreds of MB/s (the official 58 MB VGG16 no-top file in well under a second),
 * so 1 ms per 10 KB (1 s per 10 MB) covers any valid file with a wide margin, on top of a floor
 * of 1 s — or three times what instantiating h5wasm just took in this worker, which is slower on
 * a loaded machine, as the first parse is (its code is compiled as it first runs). A small corrupt
 * file that sends HDF5 into a loop fails in about a second on a quiet machine instead of 31 s.
 */
export function parseBudgetMs(fileBytes: number, startupMs = 0): number {
  return Math.max(1000, Math.ceil(3 * startupMs)) + Math.ceil(fileBytes / 10_000);
}

/**
 * Reads Keras HDF5 weights (legacy and Keras 3 layouts; see keras-h5-parse.ts) in a worker thread
 * with a time budget. Every failure is a VggError: E_WEIGHTS_NOT_FOUND for a missing file,
 * E_WEIGHTS_FORMAT naming the file for anything HDF5 or h5wasm rejects, a dataset whose declared
 * size the file cannot hold, a hang past the budget or an abort inside wasm. HDF5's error stack
 * never reaches stderr.
 */
export async function readKerasH5(path: string, options: ReadOptions = {}): Promise<KerasH5Contents> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new VggError('E_WEIGHTS_NOT_FOUND', `weights file '${path}' not found`);
  if (!info.isFile()) throw new VggError('E_WEIGHTS_FORMAT', `weights file '${path}' is not a regular file`);
  const request: H5WorkerRequest = {
    path,
    options: {
      only: options.only ? [...options.only] : undefined,
      fileBytes: info.size,
      maxDatasetBytes: options.maxDatasetBytes ?? DEFAULT_MAX_DATASET_BYTES,
    },
  };
  // TODO: no time budget where there are no worker files (a page): a corrupt file that sends HDF5 into a loop hangs the page's engine worker.
  if (options.inProcess || !platform.filePaths) return parseHere(request);
  return inWorker(request, options.timeoutMs, `${info.dev}:${info.ino}`);
}

/** What a read past its time budget fails with (here from the worker's timer; a page's watchdog shows it too). */
export function h5TimeoutError(path: string, budgetMs: number): VggError {
  return new VggError(
    'E_WEIGHTS_FORMAT',
    `'${path}': reading it as HDF5 took longer than ${(budgetMs / 1000).toFixed(budgetMs < 10_000 ? 1 : 0)} s and was stopped; the file is corrupt (or, if it is a huge valid file on a slow disk, raise the time budget)`,
  );
}

/**
 * Loads the HDF5 reader into this thread ahead of an in-thread read (where the platform has no
 * worker files), returning how long that took, so a caller that can stop this thread — a page
 * stops its engine worker — gives the read itself {@link parseBudgetMs}(bytes, that time).
 */
export async function prepareKerasH5(): Promise<number> {
  const t0 = performance.now();
  await loadH5wasm();
  return performance.now() - t0;
}

async function parseHere({ path, options }: H5WorkerRequest): Promise<KerasH5Contents> {
  const h5wasm = await loadH5wasm();
  try {
    return await withH5File(path, () => parseKerasH5(h5wasm, path, options));
  } catch (e) {
    throw e instanceof VggError ? e : formatError(path, e instanceof Error ? e.message : String(e), e);
  }
}

interface Slot {
  readonly worker: Worker;
  /**
   * Files (dev:ino) HDF5 failed on in this worker. HDF5 shares one open-file record per file
   * identity, and a failed open can leave one behind: reading the same file again (say, after it
   * was rewritten in place) in this worker once aborted where a fresh worker read it fine. Such a
   * read gets a fresh worker; so does any read after MAX_FAILURES_PER_WORKER failures.
   */
  readonly failed: Set<string>;
  /** Resolves once the worker has instantiated h5wasm (with how long that took): the parse budget starts then. */
  readonly ready: Promise<number>;
}

const MAX_FAILURES_PER_WORKER = 500;

const MAX_PARKED_HEAP_BYTES = 128 * 2 ** 20;

/** One parked worker, reused by the next read (h5wasm takes ~1 s to instantiate). */
let parked: Slot | undefined;

function acquire(fileId: string): Slot {
  if (parked && (parked.failed.has(fileId) || parked.failed.size >= MAX_FAILURES_PER_WORKER)) {
    void parked.worker.terminate();
    parked = undefined;
  }
  const slot = parked ?? spawn();
  parked = undefined;
  slot.worker.ref();
  return slot;
}

function spawn(): Slot {
  const { filename, execArgv, eval: evaluate } = workerScript();
  const worker = new Worker(filename, { execArgv, eval: evaluate });
  const ready = new Promise<number>((resolve, reject) => {
    const off = () => worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    const onMessage = (m: { type?: string; ms?: number }) => m?.type === 'ready' && (off(), resolve(m.ms ?? 0));
    const onError = (e: Error) => (off(), reject(e));
    const onExit = (code: number) => (off(), reject(new Error(`the HDF5 reader stopped (exit ${code})`)));
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
  ready.catch(() => {}); // awaited (and reported) by the read that spawned it
  return { worker, failed: new Set(), ready };
}

/** Waits for the worker to be up, within the startup budget; a worker that fails to start is dropped. */
async function started(slot: Slot, path: string): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      slot.ready,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('the HDF5 reader did not start in time')), STARTUP_BUDGET_MS);
      }) as Promise<never>,
    ]);
  } catch (e) {
    release(slot, false);
    throw formatError(path, e instanceof Error ? e.message : String(e), e);
  } finally {
    clearTimeout(timer);
  }
}

/** A worker that answered normally is parked (unref'd: it never keeps the process alive). */
function release(slot: Slot, healthy: boolean): void {
  slot.worker.removeAllListeners('message').removeAllListeners('error').removeAllListeners('exit');
  if (healthy && !parked) {
    slot.worker.once('exit', () => {
      if (parked === slot) parked = undefined;
    });
    slot.worker.unref();
    parked = slot;
  } else void slot.worker.terminate();
}

async function inWorker(
  request: H5WorkerRequest,
  timeoutMs: number | undefined,
  fileId: string,
): Promise<KerasH5Contents> {
  const slot = acquire(fileId);
  const startupMs = await started(slot, request.path);
  const budgetMs = timeoutMs ?? parseBudgetMs(request.options.fileBytes, startupMs);
  const { worker } = slot;
  return new Promise<KerasH5Contents>((resolve, reject) => {
    let settled = false;
    const settle = (healthy: boolean, fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      release(slot, healthy);
      fn();
    };
    const timer = setTimeout(() => settle(false, () => reject(h5TimeoutError(request.path, budgetMs))), budgetMs);
    worker.once('message', (reply: H5WorkerReply) => {
      // A wasm heap never shrinks: a worker that grew it for big tensors is not kept around.
      if (reply.type === 'ok') settle(reply.heapBytes <= MAX_PARKED_HEAP_BYTES, () => resolve(reply.result));
      else if (reply.type === 'error') settle(true, () => reject(new VggError(reply.code, reply.message)));
      else {
        slot.failed.add(fileId);
        settle(!reply.fatal, () => reject(formatError(request.path, reply.message)));
      }
    });
    worker.once('error', (e) => settle(false, () => reject(formatError(request.path, e.message, e))));
    worker.once('exit', (code) =>
      settle(false, () => reject(formatError(request.path, `the HDF5 reader stopped (exit ${code})`))),
    );
    worker.postMessage(request);
  });
}

/**
 * HDF5's error stack is dozens of lines ("HDF5-DIAG: Error detected in HDF5 … #012: … in
 * H5C__load_entry(): incorrect metadata checksum …"); the user gets one line — the innermost
 * entry's description, which says what was wrong — and the file.
 */
function formatError(path: string, raw: string, cause?: unknown): VggError {
  const entries = [...raw.matchAll(/#\d{3}:.* in [\w.]+\(\): (.+)/g)].map((m) => m[1]!.trim());
  const detail =
    entries.at(-1) ??
    raw
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l && !/^HDF5-DIAG/.test(l)) ??
    'unknown error';
  const clean = detail.replace(/^(RuntimeError|Error):\s*/, '').slice(0, 200);
  return new VggError(
    'E_WEIGHTS_FORMAT',
    `'${path}' is not a readable Keras HDF5 weights file (HDF5: ${clean}); download or save it again`,
    { cause: cause ?? raw },
  );
}

/** The worker file (from source: a tsx-registering one-liner), located like every worker (@vggscope/platform). */
function workerScript(): { filename: string; execArgv?: string[]; eval?: boolean } {
  const found = locateWorkerScript(import.meta.url, 'keras-h5-worker', 'vggscope-h5-worker.mjs');
  if (!found.evalCode) return { filename: found.filename };
  return { filename: found.evalCode, eval: true, execArgv: ['--conditions=@vggscope/source'] };
}

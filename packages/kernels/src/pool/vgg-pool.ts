import { Piscina } from 'piscina';
import {
  type ErrorCode,
  type FloatTensor,
  type LayerOutput,
  resolveVggConfig,
  VggError,
  type VggConfigInput,
} from '@vggscope/core';
import { locateWorkerScript, platform } from '@vggscope/platform';
import type { RunResult, WorkerInit, WorkerTask } from './protocol.js';

export type VggPoolOptions = VggConfigInput & {
  readonly weights: string;
  /**
   * Worker threads, each with its own copy of the weights; default: cores ÷ threads, so that
   * workers × threads ≤ cores. Capped at the cores unless `oversubscribe` is set.
   */
  readonly workers?: number;
  /** Allow workers × threads to exceed the cores (default false: the pool caps workers and says so via `capped`). */
  readonly oversubscribe?: boolean;
};

/**
 * Batch-parallel inference on a piscina pool: one image per worker thread, inputs and outputs moved
 * between threads by transfer. Each worker runs its own backend with `threads` threads (default 1).
 * @example const pool = await VggPool.create({ weights: 'vgg16-notop.vggw', layers: ['block5_pool'] })
 */
export class VggPool {
  readonly workers: number;
  private inFlightCount = 0;
  private maxInFlightSeen = 0;

  private constructor(
    private readonly piscina: Piscina,
    workers: number,
    readonly layers: readonly string[],
    /** Set when the requested workers were reduced to fit the cores: what was asked for. */
    readonly capped?: { requested: number; cores: number },
  ) {
    this.workers = workers;
  }

  /** Workers of `threads` threads each that fit the cores: the default, and the cap unless `oversubscribe`. */
  static workersThatFit(threads = 1): number {
    return Math.max(1, Math.floor(platform.cores() / threads));
  }

  /**
   * Starts the workers and waits until every one has loaded its weights and backend (one warm-up
   * task each), so a configuration error (bad weights, weights of another model) rejects here with
   * its own code instead of failing every task later.
   */
  static async create(options: VggPoolOptions): Promise<VggPool> {
    const { config } = resolveVggConfig({ ...options, threads: options.threads ?? 1 }); // validated before any thread starts
    if (typeof config.weights !== 'string')
      throw new VggError('E_USAGE', 'VggPool: weights must be a path (workers load them themselves)');
    const cores = platform.cores();
    const fit = VggPool.workersThatFit(config.threads);
    const requested = options.workers ?? fit;
    if (!Number.isInteger(requested) || requested < 1)
      throw new VggError('E_USAGE', `VggPool: workers must be a whole number ≥ 1, got ${requested}`, {
        hint: '--workers N',
      });
    const workers = options.oversubscribe ? requested : Math.min(requested, fit);
    const init: WorkerInit = { ...config, weights: config.weights };
    const piscina = new Piscina({
      ...workerScript(),
      workerData: init,
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: Infinity,
      closeTimeout: 10_000, // destroy(): how long running tasks may take to finish before workers are stopped
    });
    piscina.on('error', () => {}); // a close timeout is reported as an event; destroy() stops the workers anyway
    const pool = new VggPool(piscina, workers, config.layers, workers < requested ? { requested, cores } : undefined);
    try {
      await Promise.all(Array.from({ length: workers }, () => pool.submit({ kind: 'warmup' })));
    } catch (e) {
      await piscina.destroy();
      throw e;
    }
    pool.maxInFlightSeen = 0; // count tasks, not the handshake
    return pool;
  }

  /** Tasks submitted and not yet settled. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Tasks waiting for a free worker (the rest of `inFlight` are on a worker). */
  get queued(): number {
    return this.piscina.queueSize;
  }

  /** The most tasks that were ever in flight at once (for backpressure checks). */
  get peakInFlight(): number {
    return this.maxInFlightSeen;
  }

  /** The worker threads (piscina replaces one that dies). */
  get threads(): readonly { terminate(): Promise<number> }[] {
    return this.piscina.threads;
  }

  /**
   * Runs one batch on one worker. The input's buffer is transferred, so `batch.data` is detached
   * afterwards (copy it first if you still need it).
   */
  async run(batch: FloatTensor, signal?: AbortSignal): Promise<LayerOutput[]> {
    const data =
      batch.data.byteOffset === 0 && batch.data.byteLength === batch.data.buffer.byteLength
        ? batch.data
        : batch.data.slice();
    const task: WorkerTask = { kind: 'run', batch: data.buffer as ArrayBuffer, shape: [...batch.shape] };
    const result = await this.submit(task, signal, [task.batch]);
    return result.map((o) => ({
      layer: o.layer,
      index: o.index,
      shape: o.shape,
      data: new Float32Array(o.data),
      ms: o.ms,
    }));
  }

  private async submit(task: WorkerTask, signal?: AbortSignal, transferList?: ArrayBuffer[]) {
    this.inFlightCount++;
    this.maxInFlightSeen = Math.max(this.maxInFlightSeen, this.inFlightCount);
    try {
      // Cancellation is ours, not piscina's: a task aborted while a worker runs it makes piscina throw
      // an uncaught "Unexpected message from Worker" when the result arrives. So the caller's promise
      // rejects at once and the worker's late result is dropped (destroy() stops the workers).
      if (signal?.aborted) throw new VggError('E_WORKER', 'pool: the task was cancelled');
      const running = this.piscina.run(task, { transferList });
      running.catch(() => {}); // settled below, or dropped after a cancellation
      const result = (await (signal ? unlessCancelled(running, signal) : running)) as RunResult;
      if (!result.ok) throw new VggError(result.code as ErrorCode, result.message, { hint: result.hint });
      return result.outputs;
    } catch (e) {
      if (e instanceof VggError) throw e;
      throw new VggError(
        'E_WORKER',
        `pool: a worker died while computing this batch (${(e as Error).message}); it has been replaced — run the batch again`,
        { cause: e },
      );
    } finally {
      this.inFlightCount--;
    }
  }

  /**
   * Splits an `[N, H, W, 3]` batch across the workers and returns the outputs concatenated in input
   * order, as if one worker had run the whole batch. Tasks hold `perTask` images (default 1): the
   * workers stay evenly busy, and each holds the activations of one image, not of N/workers.
   */
  async runSplit(batch: FloatTensor, signal?: AbortSignal, perTask = 1): Promise<LayerOutput[]> {
    const n = batch.shape[0]!;
    const per = batch.data.length / n;
    const size = Math.max(1, perTask);
    const parts: Promise<LayerOutput[]>[] = [];
    for (let start = 0; start < n; start += size) {
      const count = Math.min(size, n - start);
      parts.push(
        this.run(
          { data: batch.data.slice(start * per, (start + count) * per), shape: [count, ...batch.shape.slice(1)] },
          signal,
        ),
      );
    }
    const results = await Promise.all(parts);
    return results[0]!.map((first, i) => {
      const pieces = results.map((r) => r[i]!);
      const data = new Float32Array(pieces.reduce((s, p) => s + p.data.length, 0));
      let offset = 0;
      for (const p of pieces) {
        data.set(p.data, offset);
        offset += p.data.length;
      }
      return { ...first, data, shape: [n, ...first.shape.slice(1)], ms: Math.max(...pieces.map((p) => p.ms)) };
    });
  }

  /**
   * Maps a stream of items through the pool with at most `maxInFlight` tasks at once (default
   * 2 per worker), yielding results in input order. A slow consumer stops the reading of inputs,
   * so memory stays bounded however long the stream. A failed item yields its error, not a throw.
   */
  async *map<T>(
    items: Iterable<T> | AsyncIterable<T>,
    prepare: (item: T) => Promise<FloatTensor>,
    options: { maxInFlight?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<{ item: T; outputs?: LayerOutput[]; error?: VggError }> {
    const limit = Math.max(1, options.maxInFlight ?? this.workers * 2);
    const pending: { item: T; result: Promise<LayerOutput[]> }[] = [];
    const settle = async (p: { item: T; result: Promise<LayerOutput[]> }) => {
      try {
        return { item: p.item, outputs: await p.result };
      } catch (e) {
        return { item: p.item, error: e instanceof VggError ? e : new VggError('E_WORKER', String(e), { cause: e }) };
      }
    };
    for await (const item of items as AsyncIterable<T>) {
      if (options.signal?.aborted) break;
      const result = prepare(item).then((batch) => this.run(batch, options.signal));
      result.catch(() => {}); // settled in order below; avoid an unhandled rejection meanwhile
      pending.push({ item, result });
      if (pending.length >= limit) yield await settle(pending.shift()!);
    }
    while (pending.length) yield await settle(pending.shift()!);
  }

  /** Waits for running tasks, then stops every worker. */
  async close(): Promise<void> {
    await this.piscina.close();
  }

  /**
   * Rejects the tasks still queued, lets the ones a worker is already running finish (at most
   * 10 s; their results are dropped), then stops every worker. Stopping workers mid-task would let
   * a late result reach a torn-down piscina, which throws it as an uncaught exception.
   */
  async destroy(): Promise<void> {
    await this.piscina.close({ force: true });
  }
}

/** The compiled worker, or the TypeScript source run through tsx when we run from source. */
/** The worker file: from source, dist, an installed package, or beside a bundle (its own entry there). */
function workerScript(): { filename: string; execArgv?: string[] } {
  const { filename, execArgv } = locateWorkerScript(import.meta.url, 'worker', POOL_WORKER_BUNDLED);
  return execArgv ? { filename, execArgv } : { filename };
}

/** The name a bundle gives the pool's worker entry beside itself (packages/cli/examples/serverless/build.mjs). */
export const POOL_WORKER_BUNDLED = 'vggscope-pool-worker.mjs';

/**
 * Resolves with `work`, or rejects with the pool's cancellation error as soon as `signal` aborts;
 * its listener is removed once the work settles (a folder run shares one signal over many tasks).
 */
async function unlessCancelled<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new VggError('E_WORKER', 'pool: the task was cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { type ErrorCode, type FloatTensor, findLayers, buildGraph, type LayerOutput, type Pooling, VggError } from '@vggscope/core';
import type { RunResult, RunTask, WorkerInit } from './protocol.js';

export interface VggPoolOptions {
  model?: string;
  weights: string;
  includeTop?: boolean;
  pooling?: Pooling | null;
  inputSize?: readonly [number, number];
  /** Outputs every task returns; default the model's last layer. */
  layers?: (string | number)[];
  /** Worker threads; default os.availableParallelism(). Each holds one copy of the weights. */
  workers?: number;
}

/**
 * Batch-parallel inference on a piscina pool: tfjs-wasm is single-threaded in Node, so a pool of
 * workers is the way to use every core. Inputs and outputs move between threads by transfer.
 * @example const pool = await VggPool.create({ weights: 'vgg16-notop.vggw', layers: ['block5_pool'] })
 */
export class VggPool {
  readonly workers: number;
  private inFlightCount = 0;
  private maxInFlightSeen = 0;

  private constructor(
    private readonly piscina: Piscina,
    workers: number,
    readonly layers: string[],
  ) {
    this.workers = workers;
  }

  static async create(options: VggPoolOptions): Promise<VggPool> {
    const model = options.model ?? 'vgg16';
    const graph = buildGraph(model, options); // validates model, size, layers before any thread starts
    const layers = findLayers(graph, options.layers ?? [graph.layers.length - 1]).map((l) => l.name);
    const workers = Math.max(1, options.workers ?? availableParallelism());
    const init: WorkerInit = {
      model, weights: options.weights, includeTop: options.includeTop ?? false, pooling: options.pooling ?? null,
      inputSize: options.inputSize && [options.inputSize[0], options.inputSize[1]], layers,
    };
    const piscina = new Piscina({ ...workerScript(), workerData: init, minThreads: workers, maxThreads: workers, idleTimeout: Infinity });
    return new VggPool(piscina, workers, layers);
  }

  /** Tasks submitted and not yet settled. */
  get inFlight(): number {
    return this.inFlightCount;
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
    const data = batch.data.byteOffset === 0 && batch.data.byteLength === batch.data.buffer.byteLength ? batch.data : batch.data.slice();
    const task: RunTask = { batch: data.buffer as ArrayBuffer, shape: [...batch.shape] };
    this.inFlightCount++;
    this.maxInFlightSeen = Math.max(this.maxInFlightSeen, this.inFlightCount);
    try {
      const result = (await this.piscina.run(task, { transferList: [task.batch], signal })) as RunResult;
      if (!result.ok) throw new VggError(result.code as ErrorCode, result.message);
      return result.outputs.map((o) => ({ layer: o.layer, index: o.index, shape: o.shape, data: new Float32Array(o.data), ms: o.ms }));
    } catch (e) {
      if (e instanceof VggError) throw e;
      if ((e as Error).name === 'AbortError') throw new VggError('E_WORKER', 'pool: the task was cancelled', { cause: e });
      throw new VggError('E_WORKER', `pool: a worker died while computing this batch (${(e as Error).message}); it has been replaced — run the batch again`, { cause: e });
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
      parts.push(this.run({ data: batch.data.slice(start * per, (start + count) * per), shape: [count, ...batch.shape.slice(1)] }, signal));
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

  /** Stops every worker now; tasks in flight reject. */
  async destroy(): Promise<void> {
    await this.piscina.destroy();
  }
}

/** The compiled worker, or the TypeScript source run through tsx when we run from source. */
function workerScript(): { filename: string; execArgv?: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const filename = fileURLToPath(new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url));
  if (!fromSource) return { filename };
  return { filename, execArgv: ['--conditions=@vggscope/source', '--import', import.meta.resolve('tsx')] };
}

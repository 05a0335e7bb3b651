import { hostname } from 'node:os';
import { type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { isVggError, type VggError } from '@vggscope/core';
import { resolveWeights } from '@vggscope/weights';
import { VggPool } from '@vggscope/kernels/pool';
import type { Redis } from 'ioredis';
import { mergeRun } from './merge.js';
import { type QueueModelConfig, type ShardJob, shardItems } from './plan.js';
import { durableClient, probeRedis, redisOptions, type RedisInfo } from './redis.js';
import { QUEUE_NAME, RunStore } from './run-store.js';
import { runShard } from './shard-runner.js';

export interface QueueWorkerOptions {
  readonly redis: string;
  /** Pool worker threads on this machine (default: cores ÷ threads). */
  readonly workers?: number;
  /** Threads per worker thread (default 1). */
  readonly threads?: number;
  /** Shards this process works on at once, sharing the pool (default 1). */
  readonly concurrency?: number;
  /**
   * How long a shard's lock lasts without renewal (default 30 s). The worker renews it every half
   * of this while it works, however long the shard; a killed worker's shard is taken over after
   * the lock runs out and the next stalled check runs.
   */
  readonly lockDurationMs?: number;
  /** How often this worker looks for shards whose worker died (default 15 s). */
  readonly stalledIntervalMs?: number;
  /** Times a shard may be taken over from a dead worker before it counts as failed (default 3). */
  readonly maxStalledCount?: number;
  /** Never download weights (each worker resolves them as `extract` does). */
  readonly offline?: boolean;
  /** This worker's name in status and logs (default host:pid). */
  readonly name?: string;
  /** One line per event: ready, shard done, retry, merge. */
  readonly log?: (line: string) => void;
  /** Test hook: a pause before each image. */
  readonly imageDelayMs?: number;
}

/**
 * Failures no retry can fix: a bad config, and weights that are missing or wrong on this worker
 * (a download may fail for a moment, so E_DOWNLOAD is retried).
 */
function isPermanent(e: VggError): boolean {
  return e.category === 'usage' || (e.category === 'weights' && e.code !== 'E_DOWNLOAD');
}

/**
 * A BullMQ worker that runs shards through a local `VggPool`: the pool is built from the config
 * the job carries (weights resolved here) and kept while jobs share that config.
 * @example const w = await QueueWorker.start({ redis: 'redis://10.0.0.5:6379', workers: 2 }); process.on('SIGTERM', () => w.stop(25_000))
 */
export class QueueWorker {
  readonly name: string;
  /** Shards finished by this process. */
  shardsDone = 0;
  private readonly release = new AbortController();
  private pool?: { key: string; pool: VggPool; users: number };
  private poolSwitch: Promise<unknown> = Promise.resolve();
  private stopping?: Promise<{ released: boolean }>;

  private constructor(
    private readonly o: QueueWorkerOptions,
    private readonly client: Redis,
    private readonly store: RunStore,
    readonly redisInfo: RedisInfo,
    private worker?: Worker,
  ) {
    this.name = o.name ?? `${hostname()}:${process.pid}`;
  }

  /** Checks Redis (`E_QUEUE` when unreachable), then starts pulling shards. */
  static async start(o: QueueWorkerOptions): Promise<QueueWorker> {
    const info = await probeRedis(o.redis);
    const client = durableClient(o.redis);
    const self = new QueueWorker(o, client, new RunStore(client), info);
    const lockDuration = o.lockDurationMs ?? 30_000;
    self.worker = new Worker(QUEUE_NAME, (job, token, signal) => self.process(job, token, signal), {
      connection: { ...redisOptions(o.redis), retryStrategy: (t: number) => Math.min(200 * t, 2000) },
      name: self.name,
      concurrency: o.concurrency ?? 1,
      lockDuration,
      stalledInterval: o.stalledIntervalMs ?? Math.max(1000, lockDuration / 2),
      maxStalledCount: o.maxStalledCount ?? 3,
      drainDelay: 2,
    });
    self.worker.on('error', (e) => self.logRedisError(e));
    self.worker.on(
      'failed',
      (job, err) =>
        void self.onFailed(job, err).catch((e: Error) => self.log(`could not record a failed shard: ${e.message}`)),
    );
    await self.worker.waitUntilReady();
    return self;
  }

  /**
   * Stops taking shards and lets the current ones finish for up to `graceMs`; then releases them
   * (back to waiting, no attempt used) for another worker, stops the pool and disconnects.
   */
  stop(graceMs = 20_000): Promise<{ released: boolean }> {
    this.stopping ??= (async () => {
      const timer = setTimeout(() => this.release.abort(), graceMs);
      await this.worker!.close();
      clearTimeout(timer);
      await this.pool?.pool.destroy();
      this.pool = undefined;
      await this.client.quit().catch(() => this.client.disconnect());
      return { released: this.release.signal.aborted };
    })();
    return this.stopping;
  }

  /** Releases the current shards at once (a second SIGTERM, or the scheduler's deadline near). */
  releaseNow(): void {
    this.release.abort();
  }

  private lastRedisError = { message: '', at: 0, repeats: 0 };

  /** While Redis is down every connection reports every retry: one line per distinct error per 30 s. */
  private logRedisError(e: Error): void {
    const last = this.lastRedisError;
    const now = Date.now();
    if (e.message === last.message && now - last.at < 30_000) {
      last.repeats++;
      return;
    }
    this.log(`redis: ${e.message} (retrying${last.repeats ? `; ${last.repeats} more before` : ''})`);
    this.lastRedisError = { message: e.message, at: now, repeats: 0 };
  }

  private log(line: string): void {
    this.o.log?.(line);
  }

  private readonly said = new Set<string>();

  /** A failure's message the first time this worker logs it; after that a short reference to it. */
  private sayOnce(message: string): string {
    if (!this.said.has(message)) {
      this.said.add(message);
      return message;
    }
    const code = /^\[(E_[A-Z_]+)\]/.exec(message)?.[1];
    return `${code ? `[${code}] ` : ''}the same error as logged above`;
  }

  private async process(job: Job, token?: string, signal?: AbortSignal): Promise<{ done: number; failed: number }> {
    const data = job.data as ShardJob;
    if (data.v !== 1)
      throw new UnrecoverableError(
        `shard job format v${String(data.v)} is not known to this worker; upgrade vggscope here`,
      );
    const tag = `run ${data.runId} shard ${data.seq + 1}/${data.shards}`;
    const retry = job.attemptsMade > 0 || (job.stalledCounter ?? 0) > 0;
    this.log(
      `${tag}: started (${data.paths.length} images${retry ? `, retry: attempt ${job.attemptsMade + 1}, taken over ${job.stalledCounter ?? 0}×` : ''})`,
    );
    if (await this.store.cancelled(data.runId)) {
      this.log(`${tag}: skipped (the run was cancelled)`);
      return { done: 0, failed: 0 };
    }
    await this.store.started(data.runId, Date.now());
    const stop = AbortSignal.any([this.release.signal, ...(signal ? [signal] : [])]);
    let pool: VggPool | undefined;
    try {
      pool = await this.acquirePool(data.config);
      let last = 0;
      const outcome = await runShard(data, pool, {
        signal: stop,
        retry,
        imageDelayMs: this.o.imageDelayMs,
        onImage: (n) => {
          if (Date.now() - last > 500 || n === data.paths.length) {
            last = Date.now();
            void job.updateProgress(n).catch(() => {});
          }
        },
      });
      const rec = {
        seq: data.seq,
        state: 'done' as const,
        done: outcome.done,
        failed: outcome.failures.length,
        seconds: Number(outcome.seconds.toFixed(3)),
        worker: this.name,
        finishedAt: Date.now(),
      };
      const { runFinished } = await this.store.recordShard(data.runId, rec, outcome.failures);
      this.shardsDone++;
      this.log(
        `${tag}: done ${outcome.done}, failed ${outcome.failures.length} in ${outcome.seconds.toFixed(1)} s (${(data.paths.length / outcome.seconds).toFixed(2)} img/s)`,
      );
      if (runFinished) await this.mergeIfLast(data.runId);
      return { done: outcome.done, failed: outcome.failures.length };
    } catch (e) {
      if (this.release.signal.aborted && token) {
        await job.moveToWait(token);
        this.log(`${tag}: released (stopping); another worker takes it`);
        throw new WaitingError();
      }
      const message = isVggError(e) ? `[${e.code}] ${e.message}` : (e as Error).message;
      if (isVggError(e) && isPermanent(e)) {
        // Retrying cannot help (no weights here, weights of another model, a bad config): fail the
        // shard now; onFailed says so, with the fix list once per worker, not per shard and attempt.
        throw new UnrecoverableError(message);
      }
      this.log(`${tag}: failed (${message}); BullMQ retries it with backoff`);
      // With its code in front, as the image failures have it: status reads the code back from it.
      throw isVggError(e) ? new Error(message, { cause: e }) : e instanceof Error ? e : new Error(message);
    } finally {
      if (pool) this.pool!.users--;
    }
  }

  private async onFailed(job: Job | undefined, err: Error): Promise<void> {
    if (!job || !(await job.isFailed())) return; // retried later: not final yet
    const data = job.data as ShardJob;
    const rec = {
      seq: data.seq,
      state: 'failed' as const,
      done: 0,
      failed: data.paths.length,
      seconds: 0,
      worker: this.name,
      finishedAt: Date.now(),
      reason: err.message,
    };
    const { added, runFinished } = await this.store.recordShard(
      data.runId,
      rec,
      shardItems(data).map((i) => ({
        image: i.image,
        reason: `shard ${data.seq + 1} failed after ${job.attemptsMade} attempt(s): ${err.message}`,
      })),
    );
    if (added)
      this.log(`run ${data.runId} shard ${data.seq + 1}/${data.shards}: failed for good: ${this.sayOnce(err.message)}`);
    if (runFinished) await this.mergeIfLast(data.runId);
  }

  /**
   * Only the shard that completes the run sees it finished (the count is atomic), and its retries
   * if it dies before completing: merging again then is harmless (the merge is written atomically),
   * whereas a claim taken by a worker that dies would leave the run unmerged.
   */
  private async mergeIfLast(runId: string): Promise<void> {
    const meta = (await this.store.meta(runId))!;
    const merged = await mergeRun(meta);
    await this.store.setMerged(runId, merged.path);
    this.log(
      `run ${runId}: finished; merged ${merged.images} images into ${merged.path}${merged.missingShards.length ? ` (${merged.missingShards.length} failed shard(s) missing)` : ''}`,
    );
  }

  /** The pool for this config: reused while the config stays; replaced once no shard uses the old one. */
  private async acquirePool(config: QueueModelConfig): Promise<VggPool> {
    const key = JSON.stringify(config);
    const next = this.poolSwitch.then(async () => {
      if (this.pool?.key === key) return this.pool;
      while (this.pool && this.pool.users > 0) await new Promise((r) => setTimeout(r, 50));
      await this.pool?.pool.destroy();
      this.pool = undefined;
      const { path } = await resolveWeights({
        model: config.model,
        includeTop: config.includeTop,
        path: config.weights,
        offline: this.o.offline,
        onStatus: (m) => this.log(m),
      });
      const pool = await VggPool.create({
        ...config,
        weights: path,
        threads: this.o.threads ?? 1,
        workers: this.o.workers,
      });
      this.log(`pool ready: ${config.model}, ${pool.workers} worker thread(s), weights ${path}`);
      this.pool = { key, pool, users: 0 };
      return this.pool;
    });
    this.poolSwitch = next.catch(() => {});
    const entry = await next;
    entry.users++;
    return entry.pool;
  }
}

import { isVggError, wrapError } from '@vggscope/core';
import { mergeRun, type MergeResult } from './merge.js';
import type { ShardJob } from './plan.js';
import { probeRedis, shortLivedClient } from './redis.js';
import { findRun, RunStore, shortLivedQueue } from './run-store.js';

export interface RunStatus {
  runId: string;
  outDir: string;
  model: string;
  createdAt: string;
  finished: boolean;
  /** `queue cancel` took the run's queued shards off the queue. */
  cancelled: boolean;
  shards: { total: number; done: number; failed: number; active: number; waiting: number };
  images: { total: number; done: number; failed: number; active: number; remaining: number };
  /** Images finished (done or failed) per second by the whole fleet, since the first shard started. */
  imagesPerSecond: number;
  etaSeconds?: number;
  elapsedSeconds: number;
  /** Workers holding a shard of this run now. */
  workers: string[];
  /** `outDir/features.jsonl`, once the run finished and a worker merged it. */
  merged?: string;
  failedImages: { image: string; reason: string; code: string }[];
  failedShards: { shard: number; reason: string; code: string }[];
  redis: { version: string; appendOnly: boolean };
}

/**
 * One run's progress, from the run's records and BullMQ's active jobs. Without `runId`, the
 * newest run.
 * @example (await runStatus('redis://127.0.0.1:6379')).shards // { total: 157, done: 40, failed: 0, active: 4, waiting: 113 }
 */
export async function runStatus(
  redis: string,
  runId?: string,
  options: { maxFailures?: number } = {},
): Promise<RunStatus> {
  const info = await probeRedis(redis);
  const client = shortLivedClient(redis);
  const queue = shortLivedQueue(redis);
  try {
    const store = new RunStore(client);
    const { id, meta } = await findRun(store, redis, runId);
    const c = await store.counters(id);
    const active = activeShards(await queue.getActive(), id, await store.finishedSeqs(id));
    const activeImages = active.reduce((s, j) => s + (typeof j.progress === 'number' ? j.progress : 0), 0);
    const [doneShards = 0, failedShards = 0, doneImages = 0, failedImages = 0] = [
      c.doneShards,
      c.failedShards,
      c.doneImages,
      c.failedImages,
    ];
    const finished = doneShards + failedShards >= meta.shards;
    const now = Date.now();
    const elapsed = c.firstStart ? ((finished && c.lastFinish ? c.lastFinish : now) - c.firstStart) / 1000 : 0;
    const processed = doneImages + failedImages + activeImages;
    const rate = elapsed > 0 ? processed / elapsed : 0;
    const remaining = Math.max(0, meta.images - doneImages - failedImages);
    const records = failedShards ? await store.shardRecords(id) : [];
    return {
      runId: id,
      outDir: meta.outDir,
      model: meta.config.model,
      createdAt: new Date(meta.createdAt).toISOString(),
      finished,
      cancelled: await store.cancelled(id),
      shards: {
        total: meta.shards,
        done: doneShards,
        failed: failedShards,
        active: active.length,
        waiting: Math.max(0, meta.shards - doneShards - failedShards - active.length),
      },
      images: { total: meta.images, done: doneImages, failed: failedImages, active: activeImages, remaining },
      imagesPerSecond: Number(rate.toFixed(2)),
      ...(finished || rate === 0 ? {} : { etaSeconds: Math.round(Math.max(0, remaining - activeImages) / rate) }),
      elapsedSeconds: Number(elapsed.toFixed(1)),
      workers: [...new Set(active.map((j) => j.processedBy).filter((w): w is string => !!w))].sort(),
      merged: await store.merged(id),
      failedImages: (await store.failures(id, options.maxFailures ?? 1000)).map((f) => ({
        ...f,
        code: failureCode(f.reason),
      })),
      failedShards: records
        .filter((r) => r.state === 'failed')
        .map((r) => ({ shard: r.seq + 1, reason: r.reason ?? '?', code: failureCode(r.reason ?? '') })),
      redis: { version: info.version, appendOnly: info.appendOnly },
    };
  } catch (e) {
    throw isVggError(e) ? e : wrapError('E_QUEUE', 'queue status: Redis failed while reading the run', e);
  } finally {
    await queue.close().catch(() => {});
    await client.quit().catch(() => client.disconnect());
  }
}

/**
 * The run's shards a worker holds now. A shard stays in BullMQ's active list for a moment after
 * its worker recorded it done (or for a lock's length after a worker died having recorded it):
 * counted once, as done, not also as active (which also counted its images twice in the rate).
 */
export function activeShards<J extends { data: unknown }>(
  jobs: readonly J[],
  runId: string,
  finished: ReadonlySet<number>,
): J[] {
  return jobs.filter((j) => {
    const data = j.data as ShardJob;
    return data.runId === runId && !finished.has(data.seq);
  });
}

/** The error code a failure's reason carries (`[E_IMAGE_DECODE] …`); E_QUEUE for a shard BullMQ gave up on. */
export function failureCode(reason: string): string {
  return /\[(E_[A-Z_]+)\]/.exec(reason)?.[1] ?? 'E_QUEUE';
}

/** Writes the run's merged index again from the shard indexes (workers do it when the run ends). */
export async function mergeQueuedRun(redis: string, runId?: string): Promise<MergeResult & { runId: string }> {
  await probeRedis(redis);
  const client = shortLivedClient(redis);
  try {
    const store = new RunStore(client);
    const { id, meta } = await findRun(store, redis, runId);
    const result = await mergeRun(meta);
    await store.setMerged(id, result.path);
    return { ...result, runId: id };
  } catch (e) {
    throw isVggError(e) ? e : wrapError('E_QUEUE', 'queue merge: Redis failed while reading the run', e);
  } finally {
    await client.quit().catch(() => client.disconnect());
  }
}

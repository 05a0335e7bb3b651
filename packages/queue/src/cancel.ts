import { isVggError, wrapError } from '@vggscope/core';
import type { ShardJob } from './plan.js';
import { probeRedis, shortLivedClient } from './redis.js';
import { findRun, RunStore, shortLivedQueue } from './run-store.js';

export interface CancelResult {
  runId: string;
  /** Queued shards (waiting, or delayed for a retry) taken off the queue. */
  removed: number;
  /** Shards a worker is running now: they finish, and their outputs stay. */
  active: number;
}

/**
 * Cancels a run: marks it (workers skip any shard of it they take) and removes its queued shards.
 * Shards already running finish; what is done stays on disk and in `status`. Submitting the same
 * run again resumes it.
 * @example await cancelRun('redis://127.0.0.1:6379', '3f2a…') // { runId: '3f2a…', removed: 40, active: 2 }
 */
export async function cancelRun(redis: string, runId?: string): Promise<CancelResult> {
  await probeRedis(redis);
  const client = shortLivedClient(redis);
  const queue = shortLivedQueue(redis);
  try {
    const store = new RunStore(client);
    const { id } = await findRun(store, redis, runId);
    await store.setCancelled(id, true); // first: a worker taking a shard now skips it
    const ours = <J extends { data: unknown }>(jobs: J[]) => jobs.filter((j) => (j.data as ShardJob).runId === id);
    let removed = 0;
    for (const job of ours(await queue.getJobs(['waiting', 'delayed', 'prioritized', 'waiting-children']))) {
      // remove() refuses a job a worker has just locked: that one is skipped by the mark above.
      if (
        await (job as { remove(): Promise<void> }).remove().then(
          () => true,
          () => false,
        )
      )
        removed++;
    }
    const active = ours(await queue.getActive()).length;
    return { runId: id, removed, active };
  } catch (e) {
    throw isVggError(e) ? e : wrapError('E_QUEUE', 'queue cancel: Redis failed while cancelling the run', e);
  } finally {
    await queue.close().catch(() => {});
    await client.quit().catch(() => client.disconnect());
  }
}

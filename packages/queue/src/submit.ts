import { isVggError, wrapError } from '@vggscope/core';
import { planRun, type QueueModelConfig } from './plan.js';
import { probeRedis, shortLivedClient, type RedisInfo } from './redis.js';
import { QUEUE_NAME, RunStore, shortLivedQueue } from './run-store.js';

export interface SubmitOptions {
  /** `redis://host:6379` */
  readonly redis: string;
  /** Absolute paths, as every worker will see them (a shared mount). */
  readonly images: readonly string[];
  readonly config: QueueModelConfig;
  /** Absolute output folder on the shared mount. */
  readonly outDir: string;
  /** Images per job (default 64). */
  readonly shardSize?: number;
  /** Also write stacked per-layer arrays at the end. */
  readonly stack?: boolean;
  /** Tries per shard for transient failures (default 5), with exponential backoff from `backoffMs` (default 2000). */
  readonly attempts?: number;
  readonly backoffMs?: number;
}

export interface SubmitResult {
  runId: string;
  images: number;
  shards: number;
  /** Jobs this call put on the queue: 0 when the same run was submitted before. */
  added: number;
  /** Shards already finished, or already waiting on the queue. */
  existing: number;
  redis: RedisInfo;
}

export const DEFAULT_SHARD_SIZE = 64;

/**
 * Puts one run on the queue: its meta once, then one job per shard with an idempotent id. Shards
 * that are already finished or queued are not added again, so submitting twice, or again after a
 * crash half-way through submitting, adds only what is missing.
 * @example await submitRun({ redis: 'redis://127.0.0.1:6379', images, config, outDir }) // { runId: '3f…', added: 157, … }
 */
export async function submitRun(o: SubmitOptions): Promise<SubmitResult> {
  const info = await probeRedis(o.redis);
  const plan = planRun(o.images, o.config, o.outDir, o.shardSize ?? DEFAULT_SHARD_SIZE);
  const client = shortLivedClient(o.redis);
  const queue = shortLivedQueue(o.redis);
  try {
    const store = new RunStore(client);
    await store.create({
      runId: plan.runId,
      outDir: plan.outDir,
      config: plan.config,
      images: plan.images,
      shards: plan.shards.length,
      shardSize: plan.shardSize,
      createdAt: Date.now(),
      stack: o.stack ?? false,
      root: plan.root,
    });
    await store.setCancelled(plan.runId, false); // submitting a cancelled run again resumes it
    const finished = await store.finishedSeqs(plan.runId);
    let added = 0;
    const chunk = 500;
    for (let i = 0; i < plan.shards.length; i += chunk) {
      const part = plan.shards.slice(i, i + chunk).filter((s) => !finished.has(s.data.seq));
      if (!part.length) continue;
      const exists = await client.pipeline(part.map((s) => ['exists', `bull:${QUEUE_NAME}:${s.jobId}`])).exec();
      const fresh = part.filter((_, j) => exists?.[j]?.[1] === 0);
      if (!fresh.length) continue;
      await queue.addBulk(
        fresh.map((s) => ({
          name: 'shard',
          data: s.data,
          // Completed jobs are dropped (the run's own record keeps the result); failed ones stay for inspection.
          opts: {
            jobId: s.jobId,
            attempts: o.attempts ?? 5,
            backoff: { type: 'exponential', delay: o.backoffMs ?? 2000 },
            removeOnComplete: true,
            removeOnFail: false,
          },
        })),
      );
      added += fresh.length;
    }
    return {
      runId: plan.runId,
      images: plan.images,
      shards: plan.shards.length,
      added,
      existing: plan.shards.length - added,
      redis: info,
    };
  } catch (e) {
    throw isVggError(e) ? e : wrapError('E_QUEUE', `queue submit: Redis failed while adding the run's jobs`, e);
  } finally {
    await queue.close().catch(() => {});
    await client.quit().catch(() => client.disconnect());
  }
}

import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueErrors, redact } from './errors.js';
import { redisOptions } from './redis.js';
import type { QueueModelConfig } from './plan.js';

/** The BullMQ queue every run shares: workers need no flag but Redis, whatever was submitted. */
export const QUEUE_NAME = 'vggscope-extract';

/** What `submit` stores once per run (the jobs carry the rest). */
export interface RunMeta {
  runId: string;
  outDir: string;
  config: QueueModelConfig;
  images: number;
  shards: number;
  shardSize: number;
  createdAt: number;
  /** Write stacked per-layer arrays beside features.jsonl at the end. */
  stack: boolean;
  /** The folder the images share; the index's paths are relative to it (absent in runs of earlier versions). */
  root?: string;
}

/** A finished shard, as recorded once in the run's `shards` hash. */
export interface ShardRecord {
  seq: number;
  state: 'done' | 'failed';
  done: number;
  failed: number;
  seconds: number;
  worker: string;
  finishedAt: number;
  /** Why a shard failed for good (after its retries). */
  reason?: string;
}

const key = (runId: string, part?: string) => `vggscope:run:${runId}${part ? `:${part}` : ''}`;
export const RUNS_KEY = 'vggscope:runs';

// Records a shard at most once (HSETNX), so a shard run twice (a worker killed after writing,
// before BullMQ heard of it) never counts its images twice. Returns [new?, finishedShards, totalShards].
const RECORD_SHARD = `
local added = redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])
if added == 1 then
  local field = ARGV[3] == 'done' and 'doneShards' or 'failedShards'
  redis.call('HINCRBY', KEYS[1], field, 1)
  redis.call('HINCRBY', KEYS[1], 'doneImages', ARGV[4])
  redis.call('HINCRBY', KEYS[1], 'failedImages', ARGV[5])
  redis.call('HSET', KEYS[1], 'lastFinish', ARGV[6])
  for i = 7, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
end
local h = redis.call('HMGET', KEYS[1], 'doneShards', 'failedShards', 'shards')
return { added, tonumber(h[1] or '0') + tonumber(h[2] or '0'), tonumber(h[3] or '0') }
`;

/** The run's records in Redis (beside BullMQ's own keys): meta, counters, finished shards, failed images. */
export class RunStore {
  constructor(readonly redis: Redis) {}

  /** Stores the run's meta unless it exists; true when this call created it. */
  async create(meta: RunMeta): Promise<boolean> {
    const created = await this.redis.hsetnx(key(meta.runId), 'meta', JSON.stringify(meta));
    if (created) {
      await this.redis.hset(key(meta.runId), {
        shards: meta.shards,
        images: meta.images,
        doneShards: 0,
        failedShards: 0,
        doneImages: 0,
        failedImages: 0,
      });
      await this.redis.zadd(RUNS_KEY, meta.createdAt, meta.runId);
    }
    return created === 1;
  }

  async meta(runId: string): Promise<RunMeta | undefined> {
    const raw = await this.redis.hget(key(runId), 'meta');
    return raw ? (JSON.parse(raw) as RunMeta) : undefined;
  }

  /** Run ids, newest first. */
  async runs(limit = 20): Promise<string[]> {
    return this.redis.zrevrange(RUNS_KEY, 0, limit - 1);
  }

  async counters(runId: string): Promise<Record<string, number>> {
    const h = await this.redis.hgetall(key(runId));
    return Object.fromEntries(
      Object.entries(h)
        .filter(([k]) => k !== 'meta' && k !== 'merged' && k !== 'cancelled')
        .map(([k, v]) => [k, Number(v)]),
    );
  }

  /** Notes the first time any worker started a shard of the run (for the fleet's rate). */
  async started(runId: string, at: number): Promise<void> {
    await this.redis.hsetnx(key(runId), 'firstStart', at);
  }

  async finishedSeqs(runId: string): Promise<Set<number>> {
    const all = await this.redis.hvals(key(runId, 'shards'));
    return new Set(all.map((s) => (JSON.parse(s) as ShardRecord).seq));
  }

  async shardRecords(runId: string): Promise<ShardRecord[]> {
    return (await this.redis.hvals(key(runId, 'shards')))
      .map((s) => JSON.parse(s) as ShardRecord)
      .sort((a, b) => a.seq - b.seq);
  }

  /** Records a finished shard once; says whether the whole run is now finished. */
  async recordShard(
    runId: string,
    rec: ShardRecord,
    failures: readonly { image: string; reason: string }[],
  ): Promise<{ added: boolean; runFinished: boolean }> {
    const args = [
      String(rec.seq),
      JSON.stringify(rec),
      rec.state,
      String(rec.done),
      String(rec.failed),
      String(rec.finishedAt),
      ...failures.flatMap((f) => [f.image, f.reason]),
    ];
    const [added, finished, total] = (await this.redis.eval(
      RECORD_SHARD,
      3,
      key(runId),
      key(runId, 'shards'),
      key(runId, 'failures'),
      ...args,
    )) as [number, number, number];
    return { added: added === 1, runFinished: finished >= total };
  }

  async failures(runId: string, limit = 1000): Promise<{ image: string; reason: string }[]> {
    const out: { image: string; reason: string }[] = [];
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(key(runId, 'failures'), cursor, 'COUNT', 500);
      for (let i = 0; i < flat.length; i += 2) out.push({ image: flat[i]!, reason: flat[i + 1]! });
      cursor = next;
    } while (cursor !== '0' && out.length < limit);
    return out.sort((a, b) => a.image.localeCompare(b.image)).slice(0, limit);
  }

  /** Marks the run cancelled (workers skip its shards), or takes the mark off (a new submit). */
  async setCancelled(runId: string, cancelled: boolean): Promise<void> {
    if (cancelled) await this.redis.hset(key(runId), 'cancelled', Date.now());
    else await this.redis.hdel(key(runId), 'cancelled');
  }

  async cancelled(runId: string): Promise<boolean> {
    return (await this.redis.hexists(key(runId), 'cancelled')) === 1;
  }

  async setMerged(runId: string, path: string): Promise<void> {
    await this.redis.hset(key(runId), 'merged', path);
  }

  async merged(runId: string): Promise<string | undefined> {
    return (await this.redis.hget(key(runId), 'merged')) ?? undefined;
  }
}

/** A BullMQ queue handle for short commands (submit, status, cancel): a few reconnects, then the call fails. */
export function shortLivedQueue(url: string): Queue {
  const queue = new Queue(QUEUE_NAME, {
    connection: {
      ...redisOptions(url),
      maxRetriesPerRequest: 2,
      retryStrategy: (t: number) => (t > 5 ? null : 200 * t),
    },
  });
  queue.on('error', () => {}); // surfaced by the failing call
  return queue;
}

/** The run `runId` (the newest without it) and its meta, or `E_QUEUE` saying there is none. */
export async function findRun(store: RunStore, url: string, runId?: string): Promise<{ id: string; meta: RunMeta }> {
  const id = runId ?? (await store.runs(1))[0];
  if (!id) throw queueErrors.noRuns(redact(url));
  const meta = await store.meta(id);
  if (!meta) throw queueErrors.unknownRun(id);
  return { id, meta };
}

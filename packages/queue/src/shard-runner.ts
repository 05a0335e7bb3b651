import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanOutputTemps, nonFiniteOutput, saveNpyOutputs, writeFileAtomic } from '@vggscope/io';
import { VggError } from '@vggscope/core';
import { loadInput } from '@vggscope/image';
import type { VggPool } from '@vggscope/kernels/pool';
import { type ShardItem, type ShardJob, shardItems } from './plan.js';

export interface ShardOutcome {
  done: number;
  failures: { image: string; reason: string; code: string }[];
  seconds: number;
  /** Where the shard's index (one JSON line per image) was written. */
  index: string;
}

export interface RunShardOptions {
  signal?: AbortSignal;
  /** Called after each image (done or failed), e.g. to report progress. */
  onImage?: (finished: number) => void;
  /** A previous attempt may have died mid-write: remove its temp files first. */
  retry?: boolean;
  /** Test hook: wait this long before each image, to make shards slow enough to kill mid-way. */
  imageDelayMs?: number;
}

/** The run's bookkeeping folder on the shared mount: one index per shard, merged at the end. */
export function shardIndexPath(outDir: string, runId: string, seq: number): string {
  return join(outDir, '.vggscope', runId, `shard-${String(seq).padStart(6, '0')}.jsonl`);
}

/**
 * Runs one shard through a local pool, as folder mode does: each image's outputs written atomically
 * to `outDir/<name>/<layer>.npy`, a bad image recorded and skipped, then the shard's index written
 * (atomically, last: its presence means the shard's files are complete). Failures that are not the
 * image's fault (a worker thread died, out of memory, a write failed) throw, so the shard is retried.
 */
export async function runShard(job: ShardJob, pool: VggPool, o: RunShardOptions = {}): Promise<ShardOutcome> {
  const t0 = performance.now();
  // The earlier attempt is gone (BullMQ gave the shard to us): its temp files can go, whatever pid wrote them.
  if (o.retry)
    await cleanOutputTemps(
      job.outDir,
      shardItems(job).map((it) => it.name),
      { writersGone: true },
    );
  const size = job.config.inputSize;
  const rows: string[] = [];
  const failures: ShardOutcome['failures'] = [];
  const prepare = async (item: ShardItem) => {
    if (o.imageDelayMs) await sleep(o.imageDelayMs);
    return loadInput(item.image, size);
  };
  for await (const r of pool.map(shardItems(job), prepare, { signal: o.signal })) {
    if (o.signal?.aborted) throw new VggError('E_INTERRUPTED', `shard ${job.seq}: stopped before its end`);
    if (r.error && (r.error.category === 'runtime' || r.error.category === 'interrupted')) throw r.error;
    const error = r.error ?? nonFiniteOutput(r.outputs!, r.item.image);
    if (error) {
      failures.push({ image: r.item.image, reason: `[${error.code}] ${error.message}`, code: error.code });
      rows.push(JSON.stringify({ image: r.item.path, error: failures.at(-1)!.reason }));
    } else {
      // The row folder mode's features.jsonl has: the image relative to the shared folder, its key, its files.
      const outputs = await saveNpyOutputs(job.outDir, r.item.name, r.outputs!);
      rows.push(JSON.stringify({ image: r.item.path, key: r.item.name, outputs }));
    }
    o.onImage?.(rows.length);
  }
  if (o.signal?.aborted) throw new VggError('E_INTERRUPTED', `shard ${job.seq}: stopped before its end`);
  const index = shardIndexPath(job.outDir, job.runId, job.seq);
  await writeFileAtomic(index, new TextEncoder().encode(`${rows.join('\n')}\n`));
  return { done: rows.length - failures.length, failures, seconds: (performance.now() - t0) / 1000, index };
}

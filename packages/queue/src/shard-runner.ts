import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeNpy, writeFileAtomic } from '@vggscope/io';
import { type LayerOutput, stats, VggError } from '@vggscope/core';
import { loadInput } from '@vggscope/image';
import type { VggPool } from '@vggscope/kernels/pool';
import { type ShardItem, type ShardJob, shardItems } from './plan.js';

export interface ShardOutcome {
  done: number;
  failures: { image: string; reason: string }[];
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
  if (o.retry) await removeTempFiles(job);
  const size = job.config.inputSize;
  const rows: string[] = [];
  const failures: { image: string; reason: string }[] = [];
  const prepare = async (item: ShardItem) => {
    if (o.imageDelayMs) await sleep(o.imageDelayMs);
    return loadInput(item.image, size);
  };
  for await (const r of pool.map(shardItems(job), prepare, { signal: o.signal })) {
    if (o.signal?.aborted) throw new VggError('E_INTERRUPTED', `shard ${job.seq}: stopped before its end`);
    if (r.error) {
      if (r.error.category === 'runtime' || r.error.category === 'interrupted') throw r.error;
      failures.push({ image: r.item.image, reason: `[${r.error.code}] ${r.error.message}` });
      rows.push(JSON.stringify({ image: r.item.image, error: failures.at(-1)!.reason }));
    } else {
      const bad = r.outputs!.find((out) => !Number.isFinite(stats(out.data).mean));
      if (bad) {
        const reason = `[E_NON_FINITE] layer '${bad.layer}' of '${r.item.image}' produced NaN or Inf; the weights are probably corrupt`;
        failures.push({ image: r.item.image, reason });
        rows.push(JSON.stringify({ image: r.item.image, error: reason }));
      } else
        rows.push(
          JSON.stringify({
            image: r.item.image,
            key: r.item.name,
            outputs: await save(job.outDir, r.item.name, r.outputs!),
          }),
        );
    }
    o.onImage?.(rows.length);
  }
  if (o.signal?.aborted) throw new VggError('E_INTERRUPTED', `shard ${job.seq}: stopped before its end`);
  const index = shardIndexPath(job.outDir, job.runId, job.seq);
  await writeFileAtomic(index, new TextEncoder().encode(`${rows.join('\n')}\n`));
  return { done: rows.length - failures.length, failures, seconds: (performance.now() - t0) / 1000, index };
}

// Same layout and index rows as `extract --images` (cli/commands/extract-folder.ts), copied
// rather than imported: the queue package sits below the CLI.
async function save(outDir: string, name: string, outputs: LayerOutput[]) {
  const rows = [];
  for (const o of outputs) {
    const file = join(outDir, name, `${o.layer}.npy`);
    await writeFileAtomic(file, encodeNpy(o));
    rows.push({ layer: o.layer, shape: o.shape, file });
  }
  return rows;
}

/** writeFileAtomic's temp files (`.<name>.<pid>.<hex>.tmp`) left by a worker killed mid-write. */
async function removeTempFiles(job: ShardJob): Promise<void> {
  for (const { name } of shardItems(job)) {
    const dir = join(job.outDir, name);
    const files = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(
      files.filter((f) => f.startsWith('.') && f.endsWith('.tmp')).map((f) => rm(join(dir, f), { force: true })),
    );
  }
}

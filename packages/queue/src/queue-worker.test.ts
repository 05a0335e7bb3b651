import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, skipNote, tinyWeights } from '@vggscope/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueModelConfig } from './plan.js';
import { QueueWorker } from './queue-worker.js';
import { cancelRun } from './cancel.js';
import { activeShards, runStatus, type RunStatus } from './status.js';
import { submitRun } from './submit.js';
import { NO_REDIS_REASON, REDIS_SERVER, TestRedis } from './testdata/test-redis.js';

const skip = !REDIS_SERVER;
describe.skipIf(skip)(`QueueWorker on a real redis-server${skipNote(skip, NO_REDIS_REASON)}`, () => {
  let redis: TestRedis;
  let config: QueueModelConfig;
  let photos: string[];
  beforeAll(async () => {
    redis = await TestRedis.start();
    config = {
      model: 'tiny-vgg16',
      includeTop: false,
      pooling: 'avg',
      inputSize: [32, 32],
      layers: ['global_average_pooling2d'],
      weights: await tinyWeights('vgg16', 'packed'),
    };
    const dir = mkdtempSync(join(tmpdir(), 'qw-photos-'));
    photos = ['a', 'b', 'c', 'd'].map((n) => join(dir, `${n}.png`));
    for (const p of photos) copyFileSync(join(REPO_ROOT, 'packages/cli/assets/chelsea.png'), p);
  });
  afterAll(async () => {
    await redis?.stop();
  });

  async function finished(runId: string, timeoutMs = 30_000): Promise<RunStatus> {
    const t0 = Date.now();
    for (;;) {
      const s = await runStatus(redis.url, runId);
      if (s.finished && s.merged) return s;
      if (Date.now() - t0 > timeoutMs) throw new Error(`run ${runId} did not finish: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('a transient failure (output folder not writable) is retried with backoff; fixed in between → done', async () => {
    const out = mkdtempSync(join(tmpdir(), 'qw-out-'));
    writeFileSync(join(out, 'a'), 'a file where the folder a/ must go'); // every write of a/… fails
    const { runId } = await submitRun({
      redis: redis.url,
      images: photos.slice(0, 2),
      config,
      outDir: out,
      shardSize: 2,
      attempts: 3,
      backoffMs: 500,
    });
    const log: string[] = [];
    const w = await QueueWorker.start({ redis: redis.url, workers: 1, log: (l) => log.push(l) });
    try {
      const t0 = Date.now();
      while (!log.some((l) => l.includes('shard 1/1: failed ('))) {
        if (Date.now() - t0 > 20_000) throw new Error(log.join('\n'));
        await new Promise((r) => setTimeout(r, 20));
      }
      rmSync(join(out, 'a'));
      const s = await finished(runId);
      expect(s.images).toMatchObject({ done: 2, failed: 0 });
      expect(log.join('\n')).toMatch(/shard 1\/1: started \(2 images, retry: attempt 2[\s\S]*shard 1\/1: done 2/);
    } finally {
      await w.stop(0);
    }
  });

  it('a shard that keeps failing stops after --attempts: recorded as failed with its reason; the run still ends', async () => {
    const out = mkdtempSync(join(tmpdir(), 'qw-out-'));
    writeFileSync(join(out, 'c'), 'blocks c/');
    const { runId } = await submitRun({
      redis: redis.url,
      images: photos,
      config,
      outDir: out,
      shardSize: 2,
      attempts: 2,
      backoffMs: 200,
    });
    const w = await QueueWorker.start({ redis: redis.url, workers: 1 });
    try {
      const s = await finished(runId);
      expect(s.shards).toMatchObject({ total: 2, done: 1, failed: 1 });
      expect(s.images).toMatchObject({ done: 2, failed: 2 });
      expect(s.failedShards).toEqual([{ shard: 2, reason: expect.stringMatching(/EEXIST|ENOTDIR/), code: 'E_OUTPUT' }]);
      expect(s.failedImages.map((f) => f.reason)).toEqual([
        expect.stringContaining('shard 2 failed after 2 attempt(s)'),
        expect.stringContaining('shard 2 failed after 2 attempt(s)'),
      ]);
    } finally {
      await w.stop(0);
    }
  });

  it('weights missing on the worker: each shard fails once, not retried, and the fix list is printed once', async () => {
    const out = mkdtempSync(join(tmpdir(), 'qw-out-'));
    const missing = join(out, 'no-such-weights.vggw');
    const { runId } = await submitRun({
      redis: redis.url,
      images: photos,
      config: { ...config, weights: missing },
      outDir: out,
      shardSize: 2,
      attempts: 5,
      backoffMs: 200,
    });
    const log: string[] = [];
    const w = await QueueWorker.start({ redis: redis.url, workers: 1, log: (l) => log.push(l) });
    try {
      const s = await finished(runId);
      expect(s.shards).toMatchObject({ total: 2, done: 0, failed: 2, active: 0 });
      expect(s.failedShards.map((f) => f.code)).toEqual(['E_WEIGHTS_NOT_FOUND', 'E_WEIGHTS_NOT_FOUND']);
      const text = log.join('\n');
      expect(text).not.toContain('retry: attempt'); // no second attempt of either shard
      expect(text.split('not found (give').length - 1, text).toBe(1); // the message (with its fixes) once
      expect(text).toMatch(/shard 2\/2: failed for good: \[E_WEIGHTS_NOT_FOUND\] the same error as logged above/);
    } finally {
      await w.stop(0);
    }
  });

  it('cancel: queued shards leave the queue, a worker started later does nothing, submit again resumes', async () => {
    const out = mkdtempSync(join(tmpdir(), 'qw-out-'));
    const { runId } = await submitRun({ redis: redis.url, images: photos, config, outDir: out, shardSize: 1 });
    expect(await cancelRun(redis.url, runId)).toEqual({ runId, removed: 4, active: 0 });
    const s = await runStatus(redis.url, runId);
    expect(s).toMatchObject({ cancelled: true, finished: false });
    expect(s.shards).toMatchObject({ done: 0, active: 0 });
    await expect(cancelRun(redis.url, 'f'.repeat(16))).rejects.toMatchObject({ code: 'E_QUEUE' });
    const again = await submitRun({ redis: redis.url, images: photos, config, outDir: out, shardSize: 1 });
    expect(again.added).toBe(4);
    const w = await QueueWorker.start({ redis: redis.url, workers: 1 });
    try {
      expect(await finished(runId)).toMatchObject({ cancelled: false, images: { done: 4 } });
    } finally {
      await w.stop(0);
    }
  });

  it('--concurrency 2: two shards at once share one pool; outputs and merged order as with one', async () => {
    const out = mkdtempSync(join(tmpdir(), 'qw-out-'));
    const { runId } = await submitRun({ redis: redis.url, images: photos, config, outDir: out, shardSize: 1 });
    const log: string[] = [];
    const w = await QueueWorker.start({ redis: redis.url, workers: 1, concurrency: 2, log: (l) => log.push(l) });
    try {
      const s = await finished(runId);
      expect(s.images).toMatchObject({ done: 4, failed: 0 });
      expect(log.filter((l) => l.startsWith('pool ready'))).toHaveLength(1);
      const merged = readFileSync(join(out, 'features.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { image: string }).image);
      expect(merged).toEqual(['a.png', 'b.png', 'c.png', 'd.png']); // relative to the shared folder, as folder mode writes
    } finally {
      await w.stop(0);
    }
  });

  it('stop() past its grace period releases the shard (no attempt used); another worker finishes it', async () => {
    const out = mkdtempSync(join(tmpdir(), 'qw-out-'));
    const { runId } = await submitRun({
      redis: redis.url,
      images: photos,
      config,
      outDir: out,
      shardSize: 4,
      attempts: 1,
    });
    const log: string[] = [];
    const first = await QueueWorker.start({ redis: redis.url, workers: 1, imageDelayMs: 400, log: (l) => log.push(l) });
    const t0 = Date.now();
    while (!log.some((l) => l.startsWith('pool ready'))) {
      if (Date.now() - t0 > 20_000) throw new Error(log.join('\n'));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await first.stop(100)).toEqual({ released: true });
    expect(log.join('\n')).toContain('shard 1/1: released (stopping)');
    expect((await runStatus(redis.url, runId)).shards).toMatchObject({ done: 0, active: 0, waiting: 1 });
    const second = await QueueWorker.start({ redis: redis.url, workers: 1 });
    try {
      expect((await finished(runId)).images).toMatchObject({ done: 4, failed: 0 }); // attempts: 1, so the release used none
    } finally {
      await second.stop(0);
    }
  });
});

describe('status: active shards', () => {
  it("a shard recorded done but still in BullMQ's active list (just finishing, or its worker died after recording) is not also active", () => {
    const job = (runId: string, seq: number) => ({ data: { runId, seq } });
    const jobs = [job('r1', 0), job('r1', 1), job('r1', 2), job('r2', 0)];
    expect(activeShards(jobs, 'r1', new Set([1]))).toEqual([job('r1', 0), job('r1', 2)]);
    expect(activeShards(jobs, 'r2', new Set())).toEqual([job('r2', 0)]);
  });
});

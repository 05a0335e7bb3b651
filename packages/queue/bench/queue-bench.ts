/**
 * By-hand measurements for BENCHMARKS.md (not run by CI). Run from the repo root after `npm run build`:
 *   node --conditions=@vggscope/source --import tsx packages/queue/bench/queue-bench.ts ceiling [jobs] [workers] [concurrency] [appendfsync]
 *   node --conditions=@vggscope/source --import tsx packages/queue/bench/queue-bench.ts fleet <tiny|vgg16> <images> <shard> <procs> [size]
 *   node --conditions=@vggscope/source --import tsx packages/queue/bench/queue-bench.ts folder <tiny|vgg16> <images> <workers> [size]
 * Each starts its own redis-server on 127.0.0.1 (a free port, a temp dir).
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  QUEUE_NAME,
  redisOptions,
  RunStore,
  runStatus,
  submitRun,
  type QueueModelConfig,
  type ShardJob,
} from '@vggscope/queue';
import { TestRedis } from '@vggscope/queue/test-redis';
import { REPO_ROOT, synthPacked, tinyWeights } from '@vggscope/test-utils';

const [mode = 'ceiling', ...args] = process.argv.slice(2);
const CLI = join(REPO_ROOT, 'packages/cli/dist/main.js');

async function usedMemory(url: string): Promise<number> {
  const c = new Redis(url);
  const info = await c.info('memory');
  await c.quit();
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

/** Jobs/s that Redis + BullMQ sustain when the processor only records the shard (no model). */
async function ceiling(jobs: number, workers: number, concurrency: number, fsync: string) {
  const redis = await TestRedis.start({ appendfsync: fsync });
  const images = Array.from(
    { length: jobs * 64 },
    (_, i) => `/mnt/photos/2026/${String(i % 365).padStart(3, '0')}/IMG_${String(i).padStart(8, '0')}.jpg`,
  );
  const config: QueueModelConfig = {
    model: 'vgg16',
    includeTop: false,
    pooling: 'avg',
    inputSize: [224, 224],
    layers: ['global_average_pooling2d'],
  };
  const before = await usedMemory(redis.url);
  let t = performance.now();
  const sub = await submitRun({ redis: redis.url, images, config, outDir: '/mnt/features', shardSize: 64 });
  const submitS = (performance.now() - t) / 1000;
  const perMillion = (((await usedMemory(redis.url)) - before) / images.length) * 1e6;
  const client = new Redis(redis.url);
  const store = new RunStore(client);
  let done = 0;
  const ws: Worker[] = [];
  const finished = new Promise<void>((resolve) => {
    const processor = async (job: Job) => {
      const d = job.data as ShardJob;
      await store.recordShard(
        d.runId,
        {
          seq: d.seq,
          state: 'done',
          done: d.paths.length,
          failed: 0,
          seconds: 0,
          worker: 'bench',
          finishedAt: Date.now(),
        },
        [],
      );
      if (++done === jobs) setImmediate(resolve);
      return { done: d.paths.length };
    };
    t = performance.now();
    ws.push(
      ...Array.from(
        { length: workers },
        () => new Worker(QUEUE_NAME, processor, { connection: redisOptions(redis.url), concurrency }),
      ),
    );
  });
  await finished;
  const s = (performance.now() - t) / 1000;
  await Promise.all(ws.map((w) => w.close()));
  await client.quit();
  await redis.stop();
  console.log(
    JSON.stringify({
      mode: 'ceiling',
      jobs,
      imagesPerJob: 64,
      workers,
      concurrency,
      appendfsync: fsync,
      submitSeconds: +submitS.toFixed(2),
      submitJobsPerSecond: Math.round(jobs / submitS),
      processSeconds: +s.toFixed(2),
      jobsPerSecond: Math.round(jobs / s),
      imagesPerSecond: Math.round((jobs * 64) / s),
      redisBytesPerMillionQueuedImages: Math.round(perMillion),
    }),
  );
}

async function model(name: string): Promise<{ flags: string[]; size: string }> {
  if (name === 'tiny')
    return { flags: ['--model', 'tiny-vgg16', '--weights', await tinyWeights('vgg16', 'packed')], size: '32x32' };
  return { flags: ['--weights', await synthPacked('vgg16')], size: '224x224' };
}

function photos(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'qb-photos-'));
  for (let i = 0; i < n; i++)
    copyFileSync(join(REPO_ROOT, 'packages/cli/assets/chelsea.png'), join(dir, `p${String(i).padStart(5, '0')}.png`));
  return dir;
}

/** Submit → merged with `procs` worker processes (one worker thread each), idle and waiting before the submit. */
async function fleet(name: string, n: number, shard: number, procs: number, size?: string) {
  const m = await model(name);
  const redis = await TestRedis.start({ appendfsync: 'everysec' });
  const dir = photos(n);
  const out = mkdtempSync(join(tmpdir(), 'qb-out-'));
  const logs = Array.from({ length: procs }, () => '');
  const ws = Array.from({ length: procs }, (_, i) => {
    const w = spawn(
      process.execPath,
      [CLI, 'queue', 'worker', '--redis', redis.url, '--workers', '1', '--threads', '1'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    w.stdout.on('data', (d: Buffer) => (logs[i] += d.toString()));
    return w;
  });
  // Waits on the workers' own log lines: polling Redis from here would take CPU from the workers.
  const until = async (re: RegExp) => {
    while (!logs.some((l) => re.test(l))) await new Promise((r) => setTimeout(r, 50));
  };
  await Promise.all(
    logs.map((_, i) =>
      (async () => {
        while (!logs[i]!.includes('ready')) await new Promise((r) => setTimeout(r, 50));
      })(),
    ),
  );
  const t0 = Date.now();
  const sub = spawnSync(
    process.execPath,
    [
      CLI,
      'queue',
      'submit',
      '--redis',
      redis.url,
      '--images',
      dir,
      '--out',
      out,
      '--shard',
      String(shard),
      '--size',
      size ?? m.size,
      ...m.flags,
      '--json',
    ],
    { encoding: 'utf8' },
  );
  const { runId } = JSON.parse(sub.stdout) as { runId: string };
  await until(/finished; merged/);
  const s = await runStatus(redis.url, runId);
  const shardSeconds = logs
    .join('')
    .match(/done \d+, failed \d+ in [\d.]+ s/g)
    ?.map((l) => Number(/in ([\d.]+) s/.exec(l)![1]));
  const wall = (Date.now() - t0) / 1000;
  for (const w of ws) w.kill('SIGTERM');
  await Promise.all(ws.map((w) => new Promise((r) => w.on('exit', r))));
  await redis.stop();
  console.log(
    JSON.stringify({
      mode: 'fleet',
      model: name,
      images: n,
      shard,
      procs,
      wallSeconds: +wall.toFixed(2),
      imagesPerSecondWall: +(n / wall).toFixed(2),
      imagesPerSecondSteady: s.imagesPerSecond,
      shardSeconds,
    }),
  );
}

/** The same images through `extract --images` on one machine (process start to exit). */
async function folder(name: string, n: number, workers: number, size?: string) {
  const m = await model(name);
  const dir = photos(n);
  const out = mkdtempSync(join(tmpdir(), 'qb-out-'));
  const t0 = Date.now();
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      'extract',
      '--images',
      dir,
      '--out',
      out,
      '--workers',
      String(workers),
      '--size',
      size ?? m.size,
      ...m.flags,
      '--json',
    ],
    { encoding: 'utf8' },
  );
  const wall = (Date.now() - t0) / 1000;
  const summary = JSON.parse(r.stdout) as { imagesPerSecond: number; seconds: number };
  console.log(
    JSON.stringify({
      mode: 'folder',
      model: name,
      images: n,
      workers,
      wallSeconds: +wall.toFixed(2),
      imagesPerSecondWall: +(n / wall).toFixed(2),
      imagesPerSecondAfterPoolStart: summary.imagesPerSecond,
    }),
  );
}

if (mode === 'ceiling')
  await ceiling(Number(args[0] ?? 2000), Number(args[1] ?? 2), Number(args[2] ?? 16), args[3] ?? 'everysec');
else if (mode === 'fleet')
  await fleet(args[0] ?? 'tiny', Number(args[1] ?? 64), Number(args[2] ?? 8), Number(args[3] ?? 1), args[4]);
else if (mode === 'folder') await folder(args[0] ?? 'tiny', Number(args[1] ?? 64), Number(args[2] ?? 1), args[3]);
else throw new Error(`unknown mode '${mode}'`);

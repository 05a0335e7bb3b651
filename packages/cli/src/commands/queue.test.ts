import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { CLI_ENTRY, REPO_ROOT, skipNote, tinyWeights } from '@vggscope/test-utils';
import { NO_REDIS_REASON, REDIS_SERVER, TestRedis } from '@vggscope/queue/test-redis';
import { runStatus, shardIndexPath, type RunStatus } from '@vggscope/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCaptured, spawnCliAsync } from '../testdata/test-cli.js';

/** A `queue worker` in its own process, as on another machine; its log lines collected. */
class WorkerProcess {
  log = '';
  readonly exited: Promise<number | null>;
  private readonly proc: ChildProcess;
  constructor(redis: string, extra: string[] = [], env: Record<string, string> = {}) {
    this.proc = spawn(process.execPath, [CLI_ENTRY, 'queue', 'worker', '--redis', redis, '--workers', '1', ...extra], {
      cwd: REPO_ROOT,
      env: { ...process.env, FORCE_COLOR: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout!.on('data', (d: Buffer) => (this.log += d.toString()));
    this.proc.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
  }
  kill(signal: NodeJS.Signals): void {
    this.proc.kill(signal);
  }
  /** Waits until the log matches, returning the match. */
  async waitFor(re: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const t0 = Date.now();
    for (;;) {
      const m = re.exec(this.log);
      if (m) return m;
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${re} in worker log:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A small PNG whose pixels depend on `seed`, so every image has its own features. */
function writePng(path: string, seed: number, w = 40 + (seed % 7) * 3, h = 36 + (seed % 5) * 4): void {
  const png = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) {
    const x = i % w;
    const y = Math.floor(i / w);
    png.data[i * 4] = (x * 7 + seed * 31) & 255;
    png.data[i * 4 + 1] = (y * 11 + seed * 17) & 255;
    png.data[i * 4 + 2] = ((x ^ y) * 5 + seed * 13) & 255;
    png.data[i * 4 + 3] = 255;
  }
  writeFileSync(path, PNG.sync.write(png));
}

describe('cli queue: wrong or unreachable Redis', () => {
  it('a closed port → E_QUEUE, exit 7, in seconds (no hang)', async () => {
    const t0 = performance.now();
    const r = await spawnCliAsync(['queue', 'status', '--redis', 'redis://127.0.0.1:1']);
    expect(r.code).toBe(7);
    expect(r.err).toMatch(
      /error \[E_QUEUE\]: queue: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 within 4 s: connect ECONNREFUSED/,
    );
    expect(performance.now() - t0).toBeLessThan(15_000);
  });

  it('queue --help → exit 0; an unknown subcommand → usage error', async () => {
    const r = await runCaptured(['queue', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/queue submit --redis URL[\s\S]*queue worker[\s\S]*queue status[\s\S]*7 queue/);
    await expect(runCaptured(['queue', 'launch', '--redis', 'redis://127.0.0.1:1'])).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringContaining("unknown subcommand 'launch'"),
    });
    expect(r.out).toContain('vggscope queue cancel --redis URL RUN');
    await expect(runCaptured(['queue', 'cancel', '--redis', 'redis://127.0.0.1:1'])).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringContaining('queue cancel: give the run id'),
    });
  });

  it('not a Redis URL → E_QUEUE before any connection; no --redis → usage error', async () => {
    await expect(runCaptured(['queue', 'worker', '--redis', 'http://localhost:6379'])).rejects.toMatchObject({
      code: 'E_QUEUE',
      message: expect.stringContaining("scheme 'http'"),
    });
    const env = process.env.VGGSCOPE_REDIS;
    delete process.env.VGGSCOPE_REDIS;
    await expect(runCaptured(['queue', 'status'])).rejects.toMatchObject({ code: 'E_USAGE' });
    if (env !== undefined) process.env.VGGSCOPE_REDIS = env;
  });
});

const skip = !REDIS_SERVER;
describe.skipIf(skip)(`cli queue on a real redis-server${skipNote(skip, NO_REDIS_REASON)}`, () => {
  let redis: TestRedis;
  let weights: string;
  let photos: string;
  const N = 30;
  const SHARD = 3;
  const SHARDS = Math.ceil((N + 1) / SHARD);
  beforeAll(async () => {
    redis = await TestRedis.start();
    weights = await tinyWeights('vgg16', 'packed');
    photos = mkdtempSync(join(tmpdir(), 'queue-photos-'));
    for (let i = 0; i < N; i++) writePng(join(photos, `img${String(i).padStart(2, '0')}.png`), i);
    writeFileSync(join(photos, 'broken.png'), Buffer.from('not a png at all'));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const modelFlags = () => [
    '--model',
    'tiny-vgg16',
    '--weights',
    weights,
    '--size',
    '32x32',
    '--layer',
    'block4_pool',
    '--layer',
    'block5_pool',
  ];

  it('3 worker processes, one SIGKILLed mid-shard, Redis restarted, one SIGTERMed mid-shard: every image once, bit for bit as single-machine extraction', async () => {
    const out = mkdtempSync(join(tmpdir(), 'queue-out-'));
    const sub = await runCaptured([
      'queue',
      'submit',
      '--redis',
      redis.url,
      '--images',
      photos,
      '--out',
      out,
      '--shard',
      String(SHARD),
      ...modelFlags(),
      '--json',
    ]);
    const submitted = JSON.parse(sub.out) as { runId: string; shards: number; added: number; images: number };
    expect(submitted).toMatchObject({ images: N + 1, shards: SHARDS, added: SHARDS });
    const again = JSON.parse(
      (
        await runCaptured([
          'queue',
          'submit',
          '--redis',
          redis.url,
          '--images',
          photos,
          '--out',
          out,
          '--shard',
          String(SHARD),
          ...modelFlags(),
          '--json',
        ])
      ).out,
    ) as typeof submitted;
    expect(again).toMatchObject({ runId: submitted.runId, added: 0, existing: SHARDS }); // idempotent ids: nothing added

    // Slow images (a test hook) so that shards last ~1.5 s and can be killed part-way; short locks
    // so that the killed worker's shard is taken over in seconds.
    const flags = ['--lock-duration', '3', '--stalled-interval', '1', '--grace', '20'];
    const env = { VGGSCOPE_QUEUE_TEST_DELAY_MS: '400' };
    const order = ['broken', ...Array.from({ length: N }, (_, i) => `img${String(i).padStart(2, '0')}`)]; // submit order (sorted)
    const [a, b, c] = [
      new WorkerProcess(redis.url, flags, env),
      new WorkerProcess(redis.url, flags, env),
      new WorkerProcess(redis.url, flags, env),
    ];
    try {
      // SIGKILL a worker in the middle of a shard, as soon as its first image's outputs are written:
      // no chance to clean up or release anything.
      const [, killedShard] = await a.waitFor(new RegExp(`shard (\\d+)/${SHARDS}: started`), 60_000);
      const shardNames = order.slice((Number(killedShard) - 1) * SHARD, Number(killedShard) * SHARD);
      await until(() => shardNames.some((n) => existsSync(join(out, n, 'block5_pool.npy'))), 30_000);
      a.kill('SIGKILL');
      expect(await a.exited).toBe(null);
      expect(a.log).not.toContain(`shard ${killedShard}/${SHARDS}: done`);
      expect(existsSync(shardIndexPath(out, submitted.runId, Number(killedShard) - 1))).toBe(false); // it was mid-shard

      // Restart Redis once mid-run (append-only file on): the run goes on with nothing lost.
      await Promise.race([b.waitFor(/: done \d+/), c.waitFor(/: done \d+/)]);
      await redis.restart();

      // SIGTERM mid-shard: the worker finishes its shard, then exits 0.
      const before = b.log.length;
      const [, termShard] = await b.waitFor(
        new RegExp(`[\\s\\S]{${before}}[\\s\\S]*?shard (\\d+)/${SHARDS}: started`),
        30_000,
      );
      b.kill('SIGTERM');
      expect(await b.exited).toBe(0);
      expect(b.log).toMatch(new RegExp(`shard ${termShard}/${SHARDS}: done`));
      expect(b.log).toMatch(/SIGTERM: finishing the current shard[\s\S]*stopped after/);

      let s: RunStatus;
      const t0 = Date.now();
      while (!(s = await runStatus(redis.url, submitted.runId)).finished || !s.merged) {
        if (Date.now() - t0 > 60_000) throw new Error(`run not finished: ${JSON.stringify(s)}\n--- c:\n${c.log}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      // The killed worker's shard was taken over by another worker and finished there.
      expect(`${b.log}${c.log}`).toMatch(
        new RegExp(
          `shard ${killedShard}/${SHARDS}: started \\(${SHARD} images, retry[^\\n]*\\n[\\s\\S]*shard ${killedShard}/${SHARDS}: done`,
        ),
      );
      expect(s.images).toMatchObject({ total: N + 1, done: N, failed: 1 });
      expect(s.shards).toMatchObject({ total: SHARDS, done: SHARDS, failed: 0 });
      expect(s.failedImages).toEqual([
        {
          image: join(photos, 'broken.png'),
          code: 'E_IMAGE_DECODE',
          reason: expect.stringContaining('[E_IMAGE_DECODE]'),
        },
      ]);
      const status = await runCaptured(['queue', 'status', '--redis', redis.url]);
      expect(status.out).toMatch(/100% 31\/31 img/);
      expect(status.out).toMatch(/broken\.png\s+\[E_IMAGE_DECODE\]/);
      expect(status.out.split('broken.png')).toHaveLength(2); // the failed image's path once
    } finally {
      for (const w of [a, b, c]) w.kill('SIGTERM');
    }
    expect(await c.exited).toBe(0);

    // Every image has exactly one complete set of outputs and nothing else (no temp files) …
    const names = Array.from({ length: N }, (_, i) => `img${String(i).padStart(2, '0')}`);
    expect(readdirSync(out).sort()).toEqual(['.vggscope', 'features.jsonl', ...names]);
    for (const n of names) expect(readdirSync(join(out, n)).sort()).toEqual(['block4_pool.npy', 'block5_pool.npy']);
    const merged = readFileSync(join(out, 'features.jsonl'), 'utf8').trim().split('\n');
    expect(merged).toHaveLength(N);
    // … equal, bit for bit, to extracting the same folder on one machine.
    const local = mkdtempSync(join(tmpdir(), 'queue-local-'));
    const r = await runCaptured(['extract', '--images', photos, '--out', local, '--workers', '1', ...modelFlags()]);
    expect(r.code).toBe(5); // the broken image
    for (const n of names) {
      for (const layer of ['block4_pool', 'block5_pool'])
        expect(readFileSync(join(out, n, `${layer}.npy`)).equals(readFileSync(join(local, n, `${layer}.npy`)))).toBe(
          true,
        );
    }
    expect(merged.join('\n').replaceAll(out, 'OUT')).toBe(
      readFileSync(join(local, 'features.jsonl'), 'utf8').trim().replaceAll(local, 'OUT'),
    );
  });

  it('a .txt list and --stack: one [N, …] array per layer in the merged order', async () => {
    const out = mkdtempSync(join(tmpdir(), 'queue-out-'));
    const list = join(mkdtempSync(join(tmpdir(), 'queue-list-')), 'images.txt');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      list,
      `# three of them\n${join(photos, 'img03.png')}\n${join(photos, 'img01.png')}\n\n${join(photos, 'img02.png')}\n`,
    );
    const sub = await runCaptured([
      'queue',
      'submit',
      '--redis',
      redis.url,
      '--images',
      list,
      '--out',
      out,
      '--shard',
      '2',
      '--stack',
      ...modelFlags(),
    ]);
    const runId = /run ([0-9a-f]{16})/.exec(sub.out)![1]!;
    const w = new WorkerProcess(redis.url);
    try {
      await w.waitFor(new RegExp(`run ${runId}: finished; merged 3 images`), 60_000);
    } finally {
      w.kill('SIGTERM');
    }
    expect(await w.exited).toBe(0);
    const { decodeNpy } = await import('@vggscope/io');
    const stacked = decodeNpy(readFileSync(join(out, 'features_block5_pool.npy')));
    expect(stacked.shape).toEqual([3, 1, 1, 16]);
    const second = decodeNpy(readFileSync(join(out, 'img01', 'block5_pool.npy')));
    expect([...stacked.data.slice(16, 32)]).toEqual([...second.data]);
    expect(
      readFileSync(join(out, 'features.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { image: string }).image),
    ).toEqual(['img03.png', 'img01.png', 'img02.png']); // relative to the shared folder, as folder mode writes

    // Folder mode --stack over the same images, in the same order: the same file names, byte for byte.
    const local = mkdtempSync(join(tmpdir(), 'queue-local-'));
    const images = ['img03', 'img01', 'img02'].flatMap((n) => ['--images', join(photos, `${n}.png`)]);
    expect((await runCaptured(['extract', ...images, '--stack', '--out', local, ...modelFlags()])).code).toBe(0);
    const stackFiles = ['features_block4_pool.npy', 'features_block5_pool.npy', 'images.txt'];
    expect(readdirSync(local).sort()).toEqual(['features.jsonl', ...stackFiles]);
    for (const f of stackFiles) expect(readFileSync(join(out, f)).equals(readFileSync(join(local, f))), f).toBe(true);
    expect(readFileSync(join(out, 'images.txt'), 'utf8')).toBe('img03.png\nimg01.png\nimg02.png\n');

    // A run merged by an earlier version left features-<layer>.npy: merging again keeps that name readable.
    writeFileSync(join(out, 'features-block5_pool.npy'), 'the old merge');
    const merged = await runCaptured(['queue', 'merge', '--redis', redis.url, runId]);
    expect(merged.out).toContain(`stacked: ${join(out, 'features_block4_pool.npy')}`);
    expect(merged.err).toContain('features-block5_pool.npy (the stacked name of earlier versions) now link(s)');
    expect(
      readFileSync(join(out, 'features-block5_pool.npy')).equals(readFileSync(join(local, 'features_block5_pool.npy'))),
    ).toBe(true);
  });
});

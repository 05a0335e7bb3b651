import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeNpy, openNpz } from '@vggscope/io';
import { CLI_ENTRY, PYTHON_WITH_NUMPY, REPO_ROOT, skipNote, synthPacked, tinyWeights } from '@vggscope/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCaptured } from '../testdata/test-cli.js';

let weights: string;
let photos: string;
beforeAll(async () => {
  weights = await tinyWeights('vgg16', 'packed');
  photos = mkdtempSync(join(tmpdir(), 'photos-'));
  const cat = join(REPO_ROOT, 'packages/cli/assets/chelsea.png');
  for (const name of ['a.png', 'b.png', 'c.png']) copyFileSync(cat, join(photos, name));
  writeFileSync(join(photos, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 9, 9, 9]));
  writeFileSync(join(photos, 'notes.txt'), 'not an image');
});

const run = (out: string, extra: string[] = []) =>
  runCaptured([
    'extract',
    '--model',
    'tiny-vgg16',
    '--weights',
    weights,
    '--images',
    photos,
    '--size',
    '32x32',
    '--layer',
    'block5_pool',
    '--workers',
    '2',
    '--out',
    out,
    ...extra,
  ]);

describe('cli extract --images (folder through the worker pool)', () => {
  it('one corrupt image among good ones: the rest are done, it is listed, exit 5 (partial)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'feat-'));
    const r = await run(out);
    expect(r.code).toBe(5);
    expect(r.out).toContain('done 3, skipped 0 (outputs exist), failed 1');
    expect(r.out).toMatch(/broken\.jpg\s+\[E_IMAGE_DECODE\] corrupt or unsupported JPEG/);
    expect(r.out.split('broken.jpg')).toHaveLength(2); // the path once, not again in the reason
    expect(readdirSync(out).sort()).toEqual(['a', 'b', 'c', 'features.jsonl']);
    expect(decodeNpy(readFileSync(join(out, 'a', 'block5_pool.npy'))).shape).toEqual([1, 1, 1, 16]);
    const lines = readFileSync(join(out, 'features.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { image: string; outputs: { file: string; shape: number[] }[] });
    expect(lines.map((l) => l.image.split('/').pop())).toEqual(['a.png', 'b.png', 'c.png']);
    expect(lines[0]!.outputs[0]).toEqual({
      layer: 'block5_pool',
      shape: [1, 1, 1, 16],
      file: join(out, 'a', 'block5_pool.npy'),
    });
    expect(r.out).toMatch(/weights: .*tiny-vgg16-notop-s7\.vggw \(packed, [\d.]+ KiB, md5 [0-9a-f]{32}\)/);
  });

  it('by default one worker uses every core (one copy of the weights); --workers N shares the cores', async () => {
    const cores = availableParallelism();
    const summaryOf = async (extra: string[]) => {
      const args = ['extract', '--model', 'tiny-vgg16', '--weights', weights, '--images', photos, '--size', '32x32'];
      const r = await runCaptured([...args, '--out', mkdtempSync(join(tmpdir(), 'feat-')), '--json', ...extra]);
      return JSON.parse(r.out) as { workers: number; threadsPerWorker: number; done: number };
    };
    expect(await summaryOf([])).toMatchObject({ workers: 1, threadsPerWorker: cores, done: 3 });
    expect(await summaryOf(['--workers', '2'])).toMatchObject({
      workers: 2,
      threadsPerWorker: Math.max(1, Math.floor(cores / 2)),
      done: 3,
    });
  });

  it('--skip-existing skips images whose outputs are all there', async () => {
    const out = mkdtempSync(join(tmpdir(), 'feat-'));
    await run(out);
    const again = await run(out, ['--skip-existing', '--json']);
    const summary = JSON.parse(again.out) as { done: number; skipped: number; failed: number };
    expect(summary).toMatchObject({ done: 0, skipped: 3, failed: 1 });
    expect((summary as unknown as { failures: unknown[] }).failures).toEqual([
      {
        image: join(photos, 'broken.jpg'),
        code: 'E_IMAGE_DECODE',
        reason: expect.stringMatching(/^\[E_IMAGE_DECODE\] /),
      },
    ]);
  });

  it.skipIf(!PYTHON_WITH_NUMPY)(
    `--format npz writes one features.npz that NumPy loads in one call${skipNote(!PYTHON_WITH_NUMPY, 'no python3 with numpy')}`,
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'feat-'));
      const clean = mkdtempSync(join(tmpdir(), 'photos-'));
      mkdirSync(clean, { recursive: true });
      for (const n of ['x.png', 'y.png']) copyFileSync(join(photos, 'a.png'), join(clean, n));
      const r = await runCaptured([
        'extract',
        '--model',
        'tiny-vgg16',
        '--weights',
        weights,
        '--images',
        `${clean}/*.png`,
        '--size',
        '32x32',
        '--pooling',
        'avg',
        '--format',
        'npz',
        '--out',
        out,
        '--workers',
        '1',
      ]);
      expect(r.code).toBe(0);
      const py = spawnSync(
        PYTHON_WITH_NUMPY!,
        [
          '-c',
          `import numpy as np, json; z = np.load('${join(out, 'features.npz')}'); print(json.dumps({k: list(z[k].shape) for k in sorted(z.files)}))`,
        ],
        { encoding: 'utf8' },
      );
      expect(JSON.parse(py.stdout)).toEqual({
        'x/global_average_pooling2d': [1, 16],
        'y/global_average_pooling2d': [1, 16],
      });
      expect(readdirSync(out).sort()).toEqual(['features.jsonl', 'features.npz']);
    },
  );

  it('a folder without images → exit 3 saying so', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'empty-'));
    await expect(
      runCaptured(['extract', '--model', 'tiny-vgg16', '--weights', weights, '--images', empty]),
    ).rejects.toMatchObject({ code: 'E_IMAGE_READ', message: expect.stringContaining('no image files found') });
  });
});

/** Runs the CLI in a child process and sends SIGINT once the first images are done; resolves its exit code and stderr. */
async function interruptedExtract(args: string[]): Promise<{ code: number | null; err: string }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [CLI_ENTRY, 'extract', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  // Wait until the first images are done (progress lines appear), then interrupt; a child that ends
  // first (an error) is reported by the caller's assertions instead of hanging the test.
  await Promise.race([
    exited,
    new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (/extract \d+% [1-9]/.test(err) || child.exitCode !== null) {
          clearInterval(timer);
          resolve();
        }
      }, 100);
    }),
  ]);
  child.kill('SIGINT');
  return { code: await exited, err };
}

describe('cli extract --images, interrupted', () => {
  let many: string;
  let real: string; // real widths: a tiny model would finish all 16 images before the interrupt arrives
  beforeAll(async () => {
    many = mkdtempSync(join(tmpdir(), 'many-'));
    for (let i = 0; i < 16; i++) copyFileSync(join(photos, 'a.png'), join(many, `p${String(i).padStart(2, '0')}.png`));
    real = await synthPacked('vgg16');
  });

  it('Ctrl-C mid-folder (npz): exits 130, keeps what is finished in a valid features.npz and indexes it, no temp file', async () => {
    const out = mkdtempSync(join(tmpdir(), 'feat-'));
    const { code, err } = await interruptedExtract([
      '--weights',
      real,
      '--images',
      many,
      '--format',
      'npz',
      '--workers',
      '2',
      '--out',
      out,
    ]);
    expect(code).toBe(130);
    expect(err).toMatch(/error \[E_INTERRUPTED\]: interrupted: \d+ of 16 images computed/);
    expect(err).not.toMatch(/100% 16\/16/); // the progress line tells the truth
    expect(readdirSync(out).sort()).toEqual(['features.jsonl', 'features.npz']); // no temp file left
    const index = readFileSync(join(out, 'features.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string });
    const done = Number(/interrupted: (\d+) of/.exec(err)![1]);
    expect(index).toHaveLength(done);
    const npz = await openNpz(join(out, 'features.npz'));
    expect([...npz!.entries.keys()].sort()).toEqual(index.map((r) => `${r.key}/block5_pool`).sort());
    for (const r of index) expect(await npz!.matches(`${r.key}/block5_pool`, [1, 7, 7, 512])).toBe(true);
    await npz!.close();
  });

  it('Ctrl-C mid --stack, then --skip-existing: the finished rows are kept, the rest computed, one stack of all 16 in order', async () => {
    const out = mkdtempSync(join(tmpdir(), 'feat-'));
    const args = ['--weights', real, '--images', many, '--pooling', 'avg', '--stack', '--workers', '2', '--out', out];
    const { code, err } = await interruptedExtract(args);
    expect(code).toBe(130);
    expect(err).toContain('run again with --skip-existing to finish');
    const done = Number(/interrupted: (\d+) of/.exec(err)![1]);
    expect(readdirSync(out).sort()).toEqual(['features.jsonl', 'features.npy', 'images.txt']);
    expect(decodeNpy(readFileSync(join(out, 'features.npy'))).shape).toEqual([done, 512]);
    const r = await runCaptured(['extract', ...args, '--skip-existing', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ images: 16, done: 16 - done, skipped: done });
    const stacked = decodeNpy(readFileSync(join(out, 'features.npy')));
    expect(stacked.shape).toEqual([16, 512]);
    const names = Array.from({ length: 16 }, (_, i) => `p${String(i).padStart(2, '0')}.png`);
    expect(readFileSync(join(out, 'images.txt'), 'utf8')).toBe(names.map((n) => `${n}\n`).join(''));
    // Sixteen copies of one photo: every row, copied or computed, equals the first.
    const first = stacked.data.subarray(0, 512);
    expect(Math.max(...first)).toBeGreaterThan(0);
    for (let i = 1; i < 16; i++) expect(stacked.data.subarray(i * 512, (i + 1) * 512)).toEqual(first);
  });
});

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeNpy, openNpz } from '@vggscope/io';
import { PYTHON_WITH_NUMPY, REPO_ROOT, skipNote, synthPacked, tinyWeights } from '@vggscope/test-utils';
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
    expect(r.out).toMatch(/broken\.jpg\s+\[E_IMAGE_DECODE\] .*corrupt or unsupported JPEG/);
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

  it('--skip-existing skips images whose outputs are all there', async () => {
    const out = mkdtempSync(join(tmpdir(), 'feat-'));
    await run(out);
    const again = await run(out, ['--skip-existing', '--json']);
    const summary = JSON.parse(again.out) as { done: number; skipped: number; failed: number };
    expect(summary).toMatchObject({ done: 0, skipped: 3, failed: 1 });
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

describe('cli extract --images, interrupted', () => {
  it('Ctrl-C mid-folder (npz): exits 130, keeps what is finished in a valid features.npz and indexes it, no temp file', async () => {
    const many = mkdtempSync(join(tmpdir(), 'many-'));
    for (let i = 0; i < 16; i++) copyFileSync(join(photos, 'a.png'), join(many, `p${String(i).padStart(2, '0')}.png`));
    const out = mkdtempSync(join(tmpdir(), 'feat-'));
    const { spawn } = await import('node:child_process');
    // Real widths here: a tiny model would finish all 16 images before the interrupt arrives.
    const real = await synthPacked('vgg16');
    const child = spawn(
      process.execPath,
      [
        '--conditions=@vggscope/source',
        '--import',
        'tsx',
        join(REPO_ROOT, 'packages/cli/src/main.ts'),
        'extract',
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
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // Wait until the first images are done (progress lines appear), then interrupt.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (/extract \d+% [1-9]/.test(err)) {
          clearInterval(timer);
          resolve();
        }
      }, 100);
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
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
});

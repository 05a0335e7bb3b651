import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { decodeNpy } from '@vggscope/io';
import { REPO_ROOT, skipNote, tinyWeights } from '@vggscope/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCaptured, spawnCli } from './testdata/test-cli.js';

// Hostile inputs and output faults (issue 11): each case asserts the exit status, the error code,
// that no stack trace reaches the user, the time it took, and that nothing partial is left.
const CAT = join(REPO_ROOT, 'packages/cli/assets/chelsea.png');
const TINY = ['--model', 'tiny-vgg16'];
let weights: string;
let photos: string;
const mounts: string[] = [];

/** A size-limited tmpfs (a disk that fills up) or a read-only one; undefined where mounting is not allowed (not root). */
function mountTmpfs(options: string): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'mnt-'));
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]).status !== 0) return undefined;
  mounts.push(dir);
  return dir;
}
const FULL = () => mountTmpfs('size=64k');
const CAN_MOUNT =
  process.getuid?.() === 0 &&
  (() => {
    const d = mountTmpfs('size=4k');
    return d !== undefined;
  })();
const NO_MOUNT = skipNote(!CAN_MOUNT, 'mounting a tmpfs needs root (CAP_SYS_ADMIN)');

beforeAll(async () => {
  weights = await tinyWeights('vgg16', 'packed');
  photos = mkdtempSync(join(tmpdir(), 'photos-'));
  for (let i = 0; i < 6; i++) copyFileSync(CAT, join(photos, `p${i}.png`));
});
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
});

/** Every file under `dir`, relative. */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  walk(dir);
  return out.sort();
}

function hostile(argv: string[], expected: { code: number; error: string; within?: number }) {
  const t0 = performance.now();
  const r = spawnCli(argv);
  const ms = performance.now() - t0;
  expect(r.code, r.err).toBe(expected.code);
  expect(r.err).toContain(`error [${expected.error}]`);
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  expect(r.err).not.toContain('internal error');
  expect(ms).toBeLessThan(expected.within ?? 20_000);
  return r;
}

describe('output faults → E_OUTPUT (exit 6) saying what to fix, nothing partial', () => {
  it('--out under a regular file (single image and folder mode)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
    writeFileSync(join(dir, 'file'), 'keep me');
    const single = hostile(['extract', ...TINY, '--weights', weights, '--out', join(dir, 'file', 'features')], {
      code: 6,
      error: 'E_OUTPUT',
    });
    expect(single.err).toMatch(/\(ENOTDIR\): .*is a regular file, not a folder; choose another --out/);
    hostile(['extract', ...TINY, '--weights', weights, '--images', photos, '--out', join(dir, 'file')], {
      code: 6,
      error: 'E_OUTPUT',
    });
    expect(readdirSync(dir)).toEqual(['file']);
    expect(readFileSync(join(dir, 'file'), 'utf8')).toBe('keep me');
  });

  it(`a read-only --out (EROFS, or EACCES when not root)${skipNote(!CAN_MOUNT && process.getuid?.() === 0, 'root without mount: neither EROFS nor EACCES can be produced')}`, (ctx) => {
    let dir = mountTmpfs('ro,size=64k');
    if (!dir) {
      if (process.getuid?.() === 0) return ctx.skip();
      dir = mkdtempSync(join(tmpdir(), 'ro-'));
      chmodSync(dir, 0o555);
    }
    const r = hostile(['extract', ...TINY, '--weights', weights, '--images', photos, '--out', join(dir, 'features')], {
      code: 6,
      error: 'E_OUTPUT',
    });
    expect(r.err).toMatch(/\((EROFS|EACCES)\): .*(read-only|no permission)/);
    expect(files(dir)).toEqual([]);
  });

  it.skipIf(!CAN_MOUNT)(
    `a full disk in folder mode (npy): stops with E_OUTPUT; only whole files remain, no temp files${NO_MOUNT}`,
    () => {
      const dir = FULL()!;
      const r = hostile(
        [
          'extract',
          ...TINY,
          '--weights',
          weights,
          '--images',
          photos,
          '--layer',
          'block1_conv1',
          '--size',
          '48x48',
          '--workers',
          '1',
          '--out',
          dir,
        ],
        { code: 6, error: 'E_OUTPUT' },
      );
      expect(r.err).toMatch(/\(ENOSPC\): the disk holding .* is full/);
      const left = files(dir);
      expect(
        left.every((f) => /^p\d\/block1_conv1\.npy$/.test(f)),
        left.join(),
      ).toBe(true);
      for (const f of left) expect(decodeNpy(readFileSync(join(dir, f))).shape).toEqual([1, 48, 48, 4]);
    },
  );

  it.skipIf(!CAN_MOUNT)(`a full disk with --format npz: E_OUTPUT and nothing at all left${NO_MOUNT}`, () => {
    const dir = FULL()!;
    hostile(
      [
        'extract',
        ...TINY,
        '--weights',
        weights,
        '--images',
        photos,
        '--layer',
        'block1_conv1',
        '--size',
        '48x48',
        '--format',
        'npz',
        '--workers',
        '1',
        '--out',
        dir,
      ],
      { code: 6, error: 'E_OUTPUT' },
    );
    expect(files(dir)).toEqual([]);
  });

  it.skipIf(!CAN_MOUNT)(`a full disk for a single image: E_OUTPUT, nothing partial${NO_MOUNT}`, () => {
    const dir = FULL()!;
    hostile(['extract', ...TINY, '--weights', weights, '--layer', 'block1_conv1', '--out', dir], {
      code: 6,
      error: 'E_OUTPUT',
    });
    expect(files(dir)).toEqual([]);
  });

  it('temp files left by a killed run (our naming, dead pid) are removed by the next run; other files stay', async () => {
    const out = mkdtempSync(join(tmpdir(), 'stale-'));
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => child.on('exit', r));
    mkdirSync(join(out, 'p0'));
    const stale = [`.features.npz.${child.pid}.0badc0de.tmp`, join('p0', `.block5_pool.npy.${child.pid}.0badc0de.tmp`)];
    for (const s of stale) writeFileSync(join(out, s), 'half');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const r = await runCaptured([
      'extract',
      ...TINY,
      '--weights',
      weights,
      '--images',
      photos,
      '--size',
      '32x32',
      '--workers',
      '1',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('note: removed 2 unfinished temp file(s)');
    expect(files(out)).toEqual(
      ['features.jsonl', 'notes.txt', ...[0, 1, 2, 3, 4, 5].map((i) => `p${i}/block5_pool.npy`)].sort(),
    );
  });
});

describe('hostile sizes and counts → typed errors before anything is allocated', () => {
  it.each(['100000x100000', '5000x5000'])(
    '--size %s → E_INPUT_SIZE (exit 3) naming the largest size that fits, in seconds',
    (size) => {
      const out = mkdtempSync(join(tmpdir(), 'size-'));
      const r = hostile(['extract', '--weights', 'not-needed.h5', '--size', size, '--out', join(out, 'f')], {
        code: 3,
        error: 'E_INPUT_SIZE',
        within: 15_000,
      });
      expect(r.err).toMatch(/needs [\d.]+ GiB for block1_conv2 .*the largest that fits is 2048x2048/);
      expect(r.err).toContain('fix: pass --size 2048x2048 or smaller');
      expect(readdirSync(out)).toEqual([]);
    },
  );

  it('maps --grid 100000x100000, a grid whose PNG is too large, filters --cell 1000000 → usage errors (exit 2)', () => {
    hostile(['maps', '--grid', '100000x100000'], { code: 2, error: 'E_USAGE' });
    const big = hostile(['maps', '--grid', '64x64', '--weights', 'unused.h5'], { code: 2, error: 'E_USAGE' });
    expect(big.err).toMatch(/the PNG would be \d+×\d+ px, over the 64 megapixel limit/);
    const cell = hostile(['filters', '--cell', '1000000'], { code: 2, error: 'E_USAGE' });
    expect(cell.err).toContain("--cell must be a whole number from 1 to 512, got '1000000'");
    hostile(['maps', '--count', '99999999999'], { code: 2, error: 'E_USAGE' });
  });

  it('--workers 1000 on one image: capped at the work, said in a note, exit 0', async () => {
    const one = mkdtempSync(join(tmpdir(), 'one-'));
    copyFileSync(CAT, join(one, 'x.png'));
    const r = await runCaptured([
      'extract',
      ...TINY,
      '--weights',
      weights,
      '--images',
      one,
      '--size',
      '32x32',
      '--workers',
      '1000',
      '--out',
      mkdtempSync(join(tmpdir(), 'w-')),
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/note: 1000 workers asked for 1 image\(s\) to compute; using 1/);
    expect(r.out).toMatch(/· 1 worker\(s\) × \d+ thread\(s\) ·/);
    expect(spawnCli(['extract', '--images', photos, '--workers', '100000']).err).toContain(
      "--workers must be a whole number from 1 to 1024, got '100000'",
    );
  });
});

describe('usage: repeated options, unknown commands', () => {
  it('a repeated single-value option is a usage error naming both values', () => {
    const r = hostile(['extract', '--size', '64x64', '--size', '96x96'], { code: 2, error: 'E_USAGE' });
    expect(r.err).toContain("--size takes one value, but was given 2 times ('64x64', '96x96')");
  });

  it('an unknown command: "did you mean \'extract\'?" (exit 2)', () => {
    const r = hostile(['extrct', '--image', 'x.png'], { code: 2, error: 'E_USAGE' });
    expect(r.err).toContain("unknown command 'extrct'; did you mean 'extract'?");
  });

  it('maps --image a --image b → one grid per image; filters --layer x --layer y → one PNG per layer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grids-'));
    const h5 = await tinyWeights('vgg16', 'h5');
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    copyFileSync(CAT, join(dir, 'a', 'x.png'));
    copyFileSync(CAT, join(dir, 'b', 'x.png'));
    const maps = await runCaptured([
      'maps',
      ...TINY,
      '--weights',
      h5,
      '--image',
      join(dir, 'a', 'x.png'),
      '--image',
      join(dir, 'b', 'x.png'),
      '--size',
      '32x32',
      '--grid',
      '2x2',
      '--out',
      join(dir, 'maps'),
    ]);
    expect(maps.code).toBe(0);
    expect(files(join(dir, 'maps'))).toEqual(['a/x_block1_conv1.png', 'b/x_block1_conv1.png']);
    expect(maps.out).toMatch(/weights: .*\(keras-h5, [\d.]+ KiB, md5 [0-9a-f]{32}\)/);
    const filters = await runCaptured([
      'filters',
      ...TINY,
      '--weights',
      h5,
      '--layer',
      'block1_conv1',
      '--layer',
      'block2_conv1',
      '--count',
      '4',
      '--out',
      join(dir, 'f.png'),
    ]);
    expect(filters.code).toBe(0);
    expect(
      readdirSync(dir)
        .filter((n) => n.endsWith('.png'))
        .sort(),
    ).toEqual(['f_block1_conv1.png', 'f_block2_conv1.png']);
    expect(statSync(join(dir, 'f_block2_conv1.png')).size).toBeGreaterThan(0);
    rmSync(dir, { recursive: true });
  });
});

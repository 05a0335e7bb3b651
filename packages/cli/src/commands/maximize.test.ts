import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { EXIT_CODES, isVggError } from '@vggscope/core';
import { decodeNpy } from '@vggscope/io';
import { tinyWeights } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { runCaptured } from '../testdata/test-cli.js';
import { parseFilters } from './maximize-options.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'maximize-'));

async function failure(argv: string[]): Promise<{ code: number; err: string }> {
  try {
    const r = await runCaptured(argv);
    return { code: r.code, err: r.err };
  } catch (e) {
    if (!isVggError(e)) throw e;
    return { code: EXIT_CODES[e.category], err: e.message };
  }
}

describe('cli maximize', () => {
  it('--filters 0-3: a PNG and an .npy per filter, a 2×2 grid, the objective per step in --json; it goes up', async () => {
    const weights = await tinyWeights('vgg16', 'h5');
    const dir = tmp();
    const r = await runCaptured([
      'maximize',
      '--model',
      'tiny-vgg16',
      '--weights',
      weights,
      '--layer',
      'block2_conv2',
      '--filters',
      '0-3',
      '--steps',
      '5',
      '--size',
      '48',
      '--out',
      dir,
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as {
      grid: string;
      results: { filter: number; png: string; npy: string; objective: number[] }[];
    };
    expect(out.results.map((x) => x.filter)).toEqual([0, 1, 2, 3]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.png'))).toHaveLength(5);
    for (const x of out.results) {
      expect(x.objective).toHaveLength(6);
      expect(x.objective.at(-1)!).toBeGreaterThan(x.objective[0]!);
      expect(decodeNpy(readFileSync(x.npy)).shape).toEqual([1, 48, 48, 3]);
      const png = PNG.sync.read(readFileSync(x.png));
      expect([png.width, png.height]).toEqual([48, 48]);
    }
    const grid = PNG.sync.read(readFileSync(out.grid));
    expect(grid.width).toBeGreaterThanOrEqual(2 * 48 + 3 * 4); // two 48 px cells and three gutters (the title may widen it)
  });

  it('bad input: --steps 0, a filter or layer that does not exist (exit 2); a class without the top weights (exit 4)', async () => {
    const weights = await tinyWeights('vgg16', 'h5');
    const base = ['maximize', '--model', 'tiny-vgg16', '--weights', weights, '--out', tmp()];
    expect((await failure([...base, '--steps', '0'])).code).toBe(2);
    const filter = await failure([...base, '--layer', 'block1_conv1', '--filters', '2-9']);
    expect(filter.code).toBe(2);
    expect(filter.err).toMatch(/--filters 2-9 is outside the layer's 4 filters \(0…3\)/);
    expect((await failure([...base, '--layer', 'block7_conv1'])).code).toBe(2);
    expect((await failure([...base, '--layer', 'flatten'])).code).toBe(2);
    const cls = await failure([...base, '--class', '3', '--steps', '1']);
    expect(cls.code, cls.err).toBe(4);
  });

  it('--rotate --tv --l2 --octaves 2: the result at --size, the regularized objective beside the activation in --json', async () => {
    const weights = await tinyWeights('vgg16', 'h5');
    const dir = tmp();
    const r = await runCaptured([
      'maximize',
      ...['--model', 'tiny-vgg16', '--weights', weights, '--layer', 'block2_conv2', '--filters', '1,2'],
      ...['--steps', '6', '--size', '48', '--seed', '3', '--out', dir, '--json'],
      ...['--jitter', '2', '--rotate', '5', '--tv', '0.05', '--l2', '0.1', '--octaves', '2', '--octave-scale', '1.4'],
    ]);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as {
      recipe: { rotate: number; tv: number; l2: number; octaves: number; octaveSizes: number[][] };
      results: { npy: string; png: string; objective: number[]; regularized: number[] }[];
    };
    expect(out.recipe).toMatchObject({
      rotate: 5,
      tv: 0.05,
      l2: 0.1,
      octaves: 2,
      octaveSizes: [
        [34, 34],
        [48, 48],
      ],
    });
    for (const x of out.results) {
      expect(x.objective).toHaveLength(2 * 6 + 1);
      expect(x.regularized).toHaveLength(2 * 6 + 1);
      // The penalties are positive on a noisy start: the regularized objective is below the activation.
      x.objective.forEach((v, i) => expect(x.regularized[i]!).toBeLessThan(v));
      // What the ascent maximizes went up (on these weak tiny weights the L2 term dominates it).
      expect(x.regularized.at(-1)!).toBeGreaterThan(x.regularized[0]!);
      expect(decodeNpy(readFileSync(x.npy)).shape).toEqual([1, 48, 48, 3]);
      const png = PNG.sync.read(readFileSync(x.png));
      expect([png.width, png.height]).toEqual([48, 48]);
    }
    // Without --tv/--l2 there is no regularized objective to report.
    const plain = await runCaptured([
      'maximize',
      ...['--model', 'tiny-vgg16', '--weights', weights, '--layer', 'block2_conv2', '--filters', '1'],
      ...['--steps', '1', '--size', '48', '--out', tmp(), '--json', '--rotate', '3'],
    ]);
    expect(plain.code, plain.err).toBe(0);
    expect(JSON.parse(plain.out).results[0]).not.toHaveProperty('regularized');
    // The table shows the regularized objective (start → final) beside the activation when it is on.
    const table = await runCaptured([
      'maximize',
      ...['--model', 'tiny-vgg16', '--weights', weights, '--layer', 'block2_conv2', '--filters', '1'],
      ...['--steps', '1', '--size', '48', '--out', tmp(), '--tv', '0.1'],
    ]);
    expect(table.code, table.err).toBe(0);
    expect(table.out).toMatch(/filter\s+start\s+final\s+gain\s+regularized\s+png/);
    expect(table.out).toMatch(/-?\d\.\d+ → -?\d\.\d+/);
  });

  it('bad --rotate, --tv, --l2, --octaves, --octave-scale: exit 2 with the fix, before any weights are read', async () => {
    const base = ['maximize', '--model', 'tiny-vgg16', '--weights', '/nonexistent/w.h5', '--out', tmp()];
    const cases: [string[], RegExp][] = [
      [['--rotate=-3'], /--rotate must be an angle in degrees from 0 to 180, e\.g\. 5, got '-3'/],
      [['--rotate', 'abc'], /--rotate must be an angle/],
      [['--tv=-1'], /--tv must be a weight ≥ 0 \(0 turns it off\), e\.g\. --tv 0\.1, got '-1'/],
      [['--l2', 'x'], /--l2 must be a weight ≥ 0/],
      [['--octaves', '0'], /--octaves must be a whole number from 1 to 16, got '0'/],
      [['--octave-scale', '1'], /--octave-scale must be a number > 1 and ≤ 4, e\.g\. 1\.4, got '1'/],
      [
        ['--octaves', '3', '--size', '48'],
        /--octaves 3 --octave-scale 1\.4 make the first octave 24×24, below the model's minimum 32×32; use fewer --octaves/,
      ],
      [['--class', '3', '--octaves', '2'], /--octaves needs a filter target/],
    ];
    for (const [flags, message] of cases) {
      const f = await failure([...base, ...flags]);
      expect(f.code, flags.join(' ')).toBe(2);
      expect(f.err).toMatch(message);
    }
  });

  it('--help names the new flags, the recipes they come from, and an example', async () => {
    const r = await runCaptured(['maximize', '--help']);
    for (const text of [
      '--rotate DEG',
      'Rotate2D',
      '--tv WEIGHT',
      'TotalVariation2D',
      '--l2 WEIGHT',
      'Norm',
      '--octaves N',
      'DeepDream',
    ])
      expect(r.out).toContain(text);
    expect(r.out).toMatch(/maximize --layer \S+ --filters \S+ .*--rotate 3 --tv \S+ --l2 \S+ --octaves 3/);
  });

  it('parseFilters: ranges, lists, duplicates once', () => {
    expect(parseFilters('0-3,2,7', 8)).toEqual([0, 1, 2, 3, 7]);
    expect(() => parseFilters('3-1', 8)).toThrow(/outside/);
    expect(() => parseFilters('a', 8)).toThrow(/--filters must be/);
  });
});

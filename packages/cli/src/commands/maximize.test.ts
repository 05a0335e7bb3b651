import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { EXIT_CODES, isVggError } from '@vggscope/core';
import { decodeNpy } from '@vggscope/io';
import { tinyWeights } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { runCaptured } from '../testdata/test-cli.js';
import { parseFilters } from './maximize.js';

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

  it('parseFilters: ranges, lists, duplicates once', () => {
    expect(parseFilters('0-3,2,7', 8)).toEqual([0, 1, 2, 3, 7]);
    expect(() => parseFilters('3-1', 8)).toThrow(/outside/);
    expect(() => parseFilters('a', 8)).toThrow(/--filters must be/);
  });
});

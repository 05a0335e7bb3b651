import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { buildGraph, tinyVgg } from '@vggscope/core';
import { writePacked } from '@vggscope/weights';
import { synthWeights } from '@vggscope/synth-weights';
import { synthH5, tinyWeights } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { runCaptured, spawnCli } from '../testdata/test-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'figures-'));
const png = (path: string) => PNG.sync.read(readFileSync(path));
/** The IHDR colour type: 0 gray, 2 RGB, 6 RGBA. */
const colorType = (path: string) => readFileSync(path)[25];

describe('cli filters', () => {
  it('prints the filter summary of every conv layer and writes the 6×3 grid of block1_conv1', async () => {
    const out = join(tmp(), 'f.png');
    const r = await runCaptured(['filters', '--weights', await synthH5('vgg16'), '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ 1\s+block1_conv1\s+\(3, 3, 3, 64\)\s+\(64,\)\s+1,792\s+-?\d/);
    expect(r.out).toMatch(/17\s+block5_conv3\s+\(3, 3, 512, 512\)\s+\(512,\)\s+2,359,808/);
    const img = png(out);
    expect(img.width).toBeGreaterThan(3 * 96 + 4 * 2); // plus the filter-number column
    expect(img.width).toBeLessThan(3 * 96 + 4 * 2 + 40);
    expect(img.height).toBeGreaterThan(6 * 96 + 7 * 2); // plus the title bar and the B/G/R row
    expect(img.height).toBeLessThan(6 * 96 + 7 * 2 + 60); // the title fits one line
    expect(colorType(out)).toBe(0); // 8-bit grayscale
    expect(r.out).toContain(`(${img.width}×${img.height})`); // the printed size is the file's
  });

  it('--json and --rgb', async () => {
    const out = join(tmp(), 'f.png');
    const r = await runCaptured([
      'filters',
      '--weights',
      await synthH5('vgg16'),
      '--rgb',
      '--count',
      '16',
      '--out',
      out,
      '--json',
    ]);
    const json = JSON.parse(r.out) as { filters: unknown[]; png: { width: number; height: number } };
    expect(json.filters).toHaveLength(13);
    expect(json.png.width).toBeGreaterThan(8 * 96 + 9 * 2);
    expect([json.png.width, json.png.height]).toEqual([png(out).width, png(out).height]);
    expect(colorType(out)).toBe(2); // RGB
  });

  it('a pool layer has no filters → exit 2 naming the conv layers', () => {
    const r = spawnCli(['filters', '--layer', 'block1_pool']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      "'block1_pool' has no filters (it is a pool layer); pick a conv layer: block1_conv1, block1_conv2",
    );
  });
});

describe('cli maps', () => {
  it('--blocks writes five PNGs (indices 2, 5, 9, 13, 17) from one pass, with the expected sizes', async () => {
    const dir = tmp();
    const r = await runCaptured(['maps', '--weights', await synthH5('vgg16'), '--blocks', '--out', dir]);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(
      ['block1_conv2', 'block2_conv2', 'block3_conv3', 'block4_conv3', 'block5_conv3'].map((l) => `chelsea_${l}.png`),
    );
    expect(r.out).toMatch(
      / 2\s+block1_conv2[\s\S]* 5\s+block2_conv2[\s\S]* 9\s+block3_conv3[\s\S]*13\s+block4_conv3[\s\S]*17\s+block5_conv3/,
    );
    expect(png(join(dir, 'chelsea_block1_conv2.png')).width).toBe(1810);
    for (const l of ['block2_conv2', 'block3_conv3', 'block4_conv3', 'block5_conv3'])
      expect(png(join(dir, `chelsea_${l}.png`)).width, l).toBe(914);
    const first = png(join(dir, 'chelsea_block1_conv2.png'));
    expect(r.out).toContain(`${first.width}×${first.height}`); // the title row included
    expect(colorType(join(dir, 'chelsea_block1_conv2.png'))).toBe(0);
  });

  it('--blocks with partial weights (blocks 1-2) draws those two, names the rest, exits 5', async () => {
    const graph = buildGraph(tinyVgg('vgg16'));
    const all = synthWeights(graph, 3);
    const path = join(tmp(), 'first-two.vggw');
    await writePacked(path, graph, { ...all, layers: new Map([...all.layers].filter(([n]) => /^block[12]_/.test(n))) });
    const dir = tmp();
    const r = await runCaptured(['maps', '--model', 'tiny-vgg16', '--weights', path, '--blocks', '--out', dir]);
    expect(r.code).toBe(5);
    expect(readdirSync(dir).sort()).toEqual(['chelsea_block1_conv2.png', 'chelsea_block2_conv2.png']);
    expect(r.err).toContain('maps: not drawn: block3_conv3, block4_conv3, block5_conv3');
    expect(r.err).toContain('has no weights for block3_conv1');
  });

  it('--colorbar widens the figure by the bar and its labels', async () => {
    const dir = tmp();
    const w = await tinyWeights('vgg16', 'h5');
    await runCaptured(['maps', '--model', 'tiny-vgg16', '--weights', w, '--count', '4', '--grid', '2x2', '--out', dir]);
    const plain = png(join(dir, 'chelsea_block1_conv1.png')).width;
    await runCaptured([
      'maps',
      '--model',
      'tiny-vgg16',
      '--weights',
      w,
      '--count',
      '4',
      '--grid',
      '2x2',
      '--colorbar',
      '--shared-scale',
      '--out',
      dir,
    ]);
    expect(png(join(dir, 'chelsea_block1_conv1.png')).width).toBeGreaterThan(plain + 18);
  });

  it('a layer by index, viridis, 16 maps in 4×4', async () => {
    const dir = tmp();
    await runCaptured([
      'maps',
      '--weights',
      await synthH5('vgg16'),
      '--layer',
      '3',
      '--colormap',
      'viridis',
      '--count',
      '16',
      '--grid',
      '4x4',
      '--out',
      dir,
    ]);
    expect(png(join(dir, 'chelsea_block1_pool.png')).width).toBe(4 * 112 + 5 * 2);
  });

  it('the grid is sized from --count (10 → 3×4, no empty rows); a clamped count is said on stderr', async () => {
    const dir = tmp();
    const r = await runCaptured(['maps', '--weights', await synthH5('vgg16'), '--count', '10', '--out', dir]);
    expect(r.code).toBe(0);
    const grid = png(join(dir, 'chelsea_block1_conv1.png'));
    expect(grid.width).toBe(4 * 224 + 5 * 2); // 4 columns of 224-px maps
    expect(r.err).toBe('');
    const more = await runCaptured(['maps', '--weights', await synthH5('vgg16'), '--count', '100', '--out', dir]);
    expect(more.err).toContain('maps: block1_conv1 has 64 channels: drawing 64, not --count 100');
    const fixed = await runCaptured([
      'maps',
      '--weights',
      await synthH5('vgg16'),
      '--count',
      '20',
      '--grid',
      '2x2',
      '--out',
      dir,
    ]);
    expect(fixed.err).toContain('--grid 2x2 holds 4 maps: drawing the first 4 of 20 for block1_conv1');
    expect(png(join(dir, 'chelsea_block1_conv1.png')).width).toBe(2 * 224 + 3 * 2);
  });

  it('bad --grid and --colormap → exit 2; every colormap name works on maps', async () => {
    expect(spawnCli(['maps', '--grid', '8']).code).toBe(2);
    expect(spawnCli(['maps', '--colormap', 'hot']).err).toContain(
      "--colormap must be one of gray, viridis, jet, got 'hot'",
    );
    const dir = tmp();
    const w = await tinyWeights('vgg16', 'h5');
    const r = await runCaptured(['maps', '--model', 'tiny-vgg16', '--weights', w, '--colormap', 'jet', '--out', dir]);
    expect(r.code).toBe(0);
    expect(colorType(join(dir, 'chelsea_block1_conv1.png'))).toBe(2); // RGB
  });
});

describe('cli summary', () => {
  it('the Keras summary with activation sizes and totals, no weights needed', async () => {
    const r = await runCaptured(['summary', '--include-top']);
    expect(r.out).toMatch(/20\s+fc1 \(Dense\)\s+\(None, 4096\)\s+102,764,544\s+16\.0 KiB/);
    expect(r.out).toMatch(/ 1\s+block1_conv1 \(Conv2D\)\s+\(None, 224, 224, 64\)\s+1,792\s+12\.3 MiB/);
    expect(r.out).toContain('Total params: 138,357,544');
  });

  it('--size and --json follow the input size', async () => {
    const r = await runCaptured(['summary', '--model', 'vgg19', '--size', '300x451', '--json']);
    const json = JSON.parse(r.out) as {
      layers: { name: string; outputShape: (number | null)[]; bytes: number }[];
      totalParams: number;
    };
    expect(json.layers.at(-1)).toMatchObject({
      name: 'block5_pool',
      outputShape: [null, 9, 14, 512],
      bytes: 9 * 14 * 512 * 4,
    });
    expect(json.totalParams).toBe(20_024_384);
  });
});

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { synthH5 } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { runCaptured, spawnCli } from '../test-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'figures-'));
const png = (path: string) => PNG.sync.read(readFileSync(path));

describe('cli filters', () => {
  it('prints the filter summary of every conv layer and writes the 6×3 grid of block1_conv1', async () => {
    const out = join(tmp(), 'f.png');
    const r = await runCaptured(['filters', '--weights', await synthH5('vgg16'), '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ 1\s+block1_conv1\s+\(3, 3, 3, 64\)\s+\(64,\)\s+1,792\s+-?\d/);
    expect(r.out).toMatch(/17\s+block5_conv3\s+\(3, 3, 512, 512\)\s+\(512,\)\s+2,359,808/);
    const img = png(out);
    expect(img.width).toBe(3 * 48 + 4 * 2);
    expect(img.height).toBeGreaterThan(6 * 48 + 7 * 2); // plus the title bar
  });

  it('--json and --rgb', async () => {
    const out = join(tmp(), 'f.png');
    const r = await runCaptured(['filters', '--weights', await synthH5('vgg16'), '--rgb', '--count', '16', '--out', out, '--json']);
    const json = JSON.parse(r.out) as { filters: unknown[]; png: { width: number } };
    expect(json.filters).toHaveLength(13);
    expect(json.png.width).toBe(8 * 48 + 9 * 2);
  });

  it('a pool layer has no filters → exit 2 naming the conv layers', () => {
    const r = spawnCli(['filters', '--layer', 'block1_pool']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("'block1_pool' has no filters (it is a pool layer); pick a conv layer: block1_conv1, block1_conv2");
  });
});

describe('cli maps', () => {
  it('--blocks writes five PNGs (indices 2, 5, 9, 13, 17) from one pass, with the expected sizes', async () => {
    const dir = tmp();
    const r = await runCaptured(['maps', '--weights', await synthH5('vgg16'), '--blocks', '--out', dir]);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['block1_conv2', 'block2_conv2', 'block3_conv3', 'block4_conv3', 'block5_conv3'].map((l) => `chelsea_${l}.png`));
    expect(r.out).toMatch(/ 2\s+block1_conv2[\s\S]* 5\s+block2_conv2[\s\S]* 9\s+block3_conv3[\s\S]*13\s+block4_conv3[\s\S]*17\s+block5_conv3/);
    expect(png(join(dir, 'chelsea_block1_conv2.png')).width).toBe(1810);
    for (const l of ['block2_conv2', 'block3_conv3', 'block4_conv3', 'block5_conv3']) expect(png(join(dir, `chelsea_${l}.png`)).width, l).toBe(914);
  });

  it('a layer by index, viridis, 16 maps in 4×4', async () => {
    const dir = tmp();
    await runCaptured(['maps', '--weights', await synthH5('vgg16'), '--layer', '3', '--colormap', 'viridis', '--count', '16', '--grid', '4x4', '--out', dir]);
    expect(png(join(dir, 'chelsea_block1_pool.png')).width).toBe(4 * 112 + 5 * 2);
  });

  it('bad --grid and --colormap → exit 2', () => {
    expect(spawnCli(['maps', '--grid', '8']).code).toBe(2);
    expect(spawnCli(['maps', '--colormap', 'jet']).err).toContain("--colormap must be gray or viridis, got 'jet'");
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
    const json = JSON.parse(r.out) as { layers: { name: string; outputShape: (number | null)[]; bytes: number }[]; totalParams: number };
    expect(json.layers.at(-1)).toMatchObject({ name: 'block5_pool', outputShape: [null, 9, 14, 512], bytes: 9 * 14 * 512 * 4 });
    expect(json.totalParams).toBe(20_024_384);
  });
});

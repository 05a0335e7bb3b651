import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { createImage } from './canvas.js';
import { gray } from './colormap.js';
import { encodePng, renderPng, titleFontSize, writePng } from './png.js';

describe('PNG output', () => {
  it('round-trips pixels exactly without a title', async () => {
    const img = createImage(3, 2, [10, 20, 30]);
    img.data.set([200, 100, 50, 255], 4);
    const back = PNG.sync.read(await encodePng(img));
    expect([back.width, back.height]).toEqual([3, 2]);
    expect([...back.data.subarray(4, 8)]).toEqual([200, 100, 50, 255]);
  });

  it('a title adds a bar above; a narrow image is widened so no word is clipped', async () => {
    const back = PNG.sync.read(
      await encodePng(createImage(20, 10, [0, 0, 0]), { title: 'block1_conv1 (3, 3, 3, 64)' }),
    );
    expect(back.width).toBeGreaterThan(20);
    expect(back.height).toBeGreaterThan(10);
  });

  it('writes atomically: only the final file remains', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'png-'));
    await writePng(join(dir, 'a.png'), createImage(4, 4, [1, 2, 3]), { title: 'x' });
    expect(readdirSync(dir)).toEqual(['a.png']);
    expect(PNG.sync.read(readFileSync(join(dir, 'a.png'))).height).toBeGreaterThan(4);
  });

  it('the title font grows with the figure: 16 px under 800 px, 32 under 1600, then 64', () => {
    expect([titleFontSize(703), titleFontSize(914), titleFontSize(1810)]).toEqual([16, 32, 64]);
  });

  it('axes, colour bar and grayscale: the reported size is the file size; gray is colour type 0', async () => {
    const img = createImage(40, 30, [90, 90, 90]);
    const plain = await renderPng(img, { title: 't' });
    const dressed = await renderPng(img, {
      title: 't',
      axes: { columns: [{ at: 10, text: 'B' }], rows: [{ at: 15, text: '0' }] },
      colorbar: { colormap: gray, low: '0', high: '1' },
      grayscale: true,
    });
    const back = PNG.sync.read(dressed.bytes);
    expect([back.width, back.height]).toEqual([dressed.width, dressed.height]);
    expect(dressed.width).toBeGreaterThan(plain.width + 18);
    expect(dressed.height).toBeGreaterThan(plain.height);
    expect(dressed.bytes[25]).toBe(0);
    expect(plain.bytes[25]).toBe(2);
  });
});

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { createImage } from './canvas.js';
import { encodePng, writePng } from './png.js';

describe('PNG output', () => {
  it('round-trips pixels exactly without a title', async () => {
    const img = createImage(3, 2, [10, 20, 30]);
    img.data.set([200, 100, 50, 255], 4);
    const back = PNG.sync.read(await encodePng(img));
    expect([back.width, back.height]).toEqual([3, 2]);
    expect([...back.data.subarray(4, 8)]).toEqual([200, 100, 50, 255]);
  });

  it('a title adds a bar above; a narrow image is widened so no word is clipped', async () => {
    const back = PNG.sync.read(await encodePng(createImage(20, 10, [0, 0, 0]), { title: 'block1_conv1 (3, 3, 3, 64)' }));
    expect(back.width).toBeGreaterThan(20);
    expect(back.height).toBeGreaterThan(10);
  });

  it('writes atomically: only the final file remains', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'png-'));
    await writePng(join(dir, 'a.png'), createImage(4, 4, [1, 2, 3]), { title: 'x' });
    expect(readdirSync(dir)).toEqual(['a.png']);
    expect(PNG.sync.read(readFileSync(join(dir, 'a.png'))).height).toBeGreaterThan(4);
  });
});

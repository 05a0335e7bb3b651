import { spawnSync } from 'node:child_process';
import { skipNote } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { nearestIndices, resizeNearest } from './resize-nearest.js';

describe('nearestIndices (Pillow NEAREST rule)', () => {
  // Worked by hand: scale = src/dst, centre of output pixel i is (i + ½)·scale, truncated.
  it('7→3: scale 7/3, centres 1.17, 3.5, 5.83', () => {
    expect([...nearestIndices(7, 3)]).toEqual([1, 3, 5]);
  });
  it('3→7: scale 3/7, centres 0.21 0.64 1.07 1.5 1.93 2.36 2.79', () => {
    expect([...nearestIndices(3, 7)]).toEqual([0, 0, 1, 1, 1, 2, 2]);
  });
  it('451→224 (the cat photo): scale 2.0134, first and last picks', () => {
    const idx = nearestIndices(451, 224);
    expect([...idx.slice(0, 4)]).toEqual([1, 3, 5, 7]); // 1.007, 3.020, 5.034, 7.047
    expect([...idx.slice(-2)]).toEqual([447, 449]); // 447.98, 449.99
  });
  it('300→224: scale 1.3393, repeats every third step', () => {
    expect([...nearestIndices(300, 224).slice(0, 6)]).toEqual([0, 2, 3, 4, 6, 7]); // .67 2.01 3.35 4.69 6.03 7.37
  });
  it('identity size maps every index to itself', () => {
    expect([...nearestIndices(5, 5)]).toEqual([0, 1, 2, 3, 4]);
  });

  const pillow = spawnSync('/usr/bin/python3', ['-c', 'import PIL'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!pillow)(
    `matches Pillow itself for many sizes${skipNote(!pillow, 'Debian python3-pil not installed')}`,
    () => {
      const sizes = [
        [451, 224],
        [640, 224],
        [427, 224],
        [1000, 224],
        [33, 224],
        [224, 32],
        [999, 37],
      ] as const;
      const script = `
from PIL import Image
import numpy as np, json
out = []
for s, d in ${JSON.stringify(sizes)}:
    a = np.arange(s, dtype=np.int32).reshape(1, s)
    out.append(np.array(Image.fromarray(a, mode='I').resize((d, 1), Image.NEAREST)).ravel().tolist())
print(json.dumps(out))`;
      const res = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
      const expected = JSON.parse(res.stdout) as number[][];
      sizes.forEach(([s, d], i) => expect([...nearestIndices(s, d)]).toEqual(expected[i]));
    },
  );
});

describe('resizeNearest', () => {
  it('squashes a 3×2 image to 7×3 picking whole pixels', () => {
    // pixel (x, y) has RGB = (10x, 10y, 1)
    const data = new Uint8Array(3 * 2 * 3);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) data.set([10 * x, 10 * y, 1], (y * 3 + x) * 3);
    const out = resizeNearest({ width: 3, height: 2, data }, 7, 3);
    expect(out.width).toBe(7);
    const xs = [0, 0, 1, 1, 1, 2, 2];
    const ys = [0, 1, 1]; // 2→3: centres 0.33, 1.0, 1.67
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 7; x++) {
        expect([...out.data.subarray((y * 7 + x) * 3, (y * 7 + x) * 3 + 3)]).toEqual([10 * xs[x]!, 10 * ys[y]!, 1]);
      }
  });
  it('returns the same image when the size already matches', () => {
    const img = { width: 2, height: 2, data: new Uint8Array(12) };
    expect(resizeNearest(img, 2, 2)).toBe(img);
  });
});

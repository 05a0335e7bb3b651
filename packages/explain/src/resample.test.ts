import { spawnSync } from 'node:child_process';
import { mulberry32 } from '@vggscope/core';
import { skipNote } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { resizing, roll, rotation, sample, sampleAdjoint } from './resample.js';

const random = (n: number, seed: number) => {
  const u = mulberry32(seed);
  return Float32Array.from({ length: n }, () => u() * 2 - 1);
};
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);

describe('rotation (bilinear, edges mirrored)', () => {
  it('90° on a 5×5 image is numpy rot90 exactly: out[y][x] = in[x][4 − y]', () => {
    const n = 5;
    const src = random(n * n * 3, 1);
    const out = sample(rotation([n, n], 90), src);
    const expected = new Float32Array(n * n * 3);
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++)
        for (let c = 0; c < 3; c++) expected[(y * n + x) * 3 + c] = src[(x * n + (n - 1 - y)) * 3 + c]!;
    expect(out).toEqual(expected);
  });

  it('−90° and 180° on a 4×4 image (even side: the centre is between pixels) are the index flips', () => {
    const n = 4;
    const src = random(n * n * 3, 2);
    const [cw, half] = [sample(rotation([n, n], -90), src), sample(rotation([n, n], 180), src)];
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        for (let c = 0; c < 3; c++) {
          expect(cw[(y * n + x) * 3 + c]).toBe(src[((n - 1 - x) * n + y) * 3 + c]);
          expect(half[(y * n + x) * 3 + c]).toBe(src[((n - 1 - y) * n + (n - 1 - x)) * 3 + c]);
        }
      }
    }
  });

  it('0° is the identity; a constant image stays constant at any angle (weights sum to 1, edges mirrored)', () => {
    const src = random(7 * 9 * 3, 3);
    expect(sample(rotation([7, 9], 0), src)).toEqual(src);
    const flat = sample(rotation([7, 9], 17.3), new Float32Array(7 * 9 * 3).fill(2.5));
    for (const v of flat) expect(v).toBeCloseTo(2.5, 6);
  });

  it.each([3.7, -11, 45, 90])('adjoint: <R x, y> = <x, Rᵀ y> on random 13×10 arrays at %s°', (deg) => {
    const r = rotation([13, 10], deg);
    const [x, y] = [random(13 * 10 * 3, 4), random(13 * 10 * 3, 5)];
    const [lhs, rhs] = [dot(sample(r, x), y), dot(x, sampleAdjoint(r, y))];
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-5 * (Math.abs(lhs) + 1));
  });

  // Debian's python3-scipy, or a python3 on PATH that has scipy.
  const scipy = ['/usr/bin/python3', 'python3'].find(
    (py) => spawnSync(py, ['-c', 'import scipy.ndimage'], { stdio: 'ignore' }).status === 0,
  );
  it.skipIf(!scipy)(
    `equals tf-keras-vis' Rotate2D sampling, scipy.ndimage.rotate(order=1, mode='reflect', reshape=False), corners included${skipNote(!scipy, 'no python3 with scipy (apt-get install python3-scipy)')}`,
    () => {
      const [h, w] = [9, 7];
      const src = random(h * w * 3, 12);
      for (const deg of [17.3, -33, 60]) {
        const script = `
import sys, json, numpy as np
from scipy.ndimage import rotate
a = np.array(json.load(sys.stdin), dtype=np.float64).reshape(${h}, ${w}, 3)
print(json.dumps(rotate(a, ${deg}, axes=(0, 1), reshape=False, order=1, mode='reflect', prefilter=False).ravel().tolist()))`;
        const res = spawnSync(scipy!, ['-c', script], {
          input: JSON.stringify([...src]),
          encoding: 'utf8',
        });
        const expected = JSON.parse(res.stdout) as number[];
        const out = sample(rotation([h, w], deg), src);
        expect(out.length).toBe(expected.length);
        out.forEach((v, i) => expect(Math.abs(v - expected[i]!), `${deg}° value ${i}`).toBeLessThan(1e-5));
      }
    },
  );

  it('a roll is undone by the opposite roll (its adjoint)', () => {
    const x = random(6 * 5 * 3, 6);
    expect(roll(roll(x, 6, 5, 2, -3, 1), 6, 5, 2, -3, -1)).toEqual(x);
    const y = random(6 * 5 * 3, 7);
    expect(dot(roll(x, 6, 5, 2, -3, 1), y)).toBeCloseTo(dot(x, roll(y, 6, 5, 2, -3, -1)), 5);
  });
});

describe('resizing (half-pixel bilinear)', () => {
  it('2×2 → 4×4 worked by hand: positions −¼ ¼ ¾ 1¼ clamp to 0 ¼ ¾ 1, so [0, 4] → [0, 1, 3, 4]', () => {
    // pixel value = 4·x in every channel (x varies along the width)
    const src = Float32Array.from({ length: 12 }, (_, i) => 4 * (Math.floor(i / 3) % 2));
    const out = sample(resizing([2, 2], [4, 4]), src);
    for (let y = 0; y < 4; y++) expect([0, 1, 2, 3].map((x) => out[(y * 4 + x) * 3 + 1])).toEqual([0, 1, 3, 4]);
  });

  it('adjoint identity holds across sizes (37×41 → 52×57)', () => {
    const s = resizing([37, 41], [52, 57]);
    const [x, y] = [random(37 * 41 * 3, 8), random(52 * 57 * 3, 9)];
    const [lhs, rhs] = [dot(sample(s, x), y), dot(x, sampleAdjoint(s, y))];
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4);
  });

  const pillow = spawnSync('/usr/bin/python3', ['-c', 'import PIL, numpy'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!pillow)(
    `enlarging matches Pillow's BILINEAR on float images${skipNote(!pillow, 'Debian python3-pil/python3-numpy not installed')}`,
    () => {
      const [ih, iw, oh, ow] = [11, 8, 15, 11]; // ×1.4 as between octaves
      const src = random(ih * iw * 3, 10);
      const script = `
import sys, json, numpy as np
from PIL import Image
a = np.array(json.load(sys.stdin), dtype=np.float32).reshape(${ih}, ${iw}, 3)
out = [np.asarray(Image.fromarray(a[:, :, c], mode='F').resize((${ow}, ${oh}), Image.BILINEAR)) for c in range(3)]
print(json.dumps(np.stack(out, -1).ravel().tolist()))`;
      const res = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify([...src]), encoding: 'utf8' });
      const expected = JSON.parse(res.stdout) as number[];
      const out = sample(resizing([ih, iw], [oh, ow]), src);
      expect(out.length).toBe(expected.length);
      out.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-5));
    },
  );
});

import { mulberry32 } from '@vggscope/core';
import { describe, expect, it } from 'vitest';
import { penalty } from './regularizers.js';

// Independent reference: the definitions written out over (y, x, c) in float64.
function tvRef(x: Float64Array, h: number, w: number): number {
  const at = (y: number, xx: number, c: number) => x[(y * w + xx) * 3 + c]!;
  let s = 0;
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < h - 1; y++) for (let xx = 0; xx < w; xx++) s += Math.abs(at(y + 1, xx, c) - at(y, xx, c));
    for (let y = 0; y < h; y++) for (let xx = 0; xx < w - 1; xx++) s += Math.abs(at(y, xx + 1, c) - at(y, xx, c));
  }
  return s / (h * w * 3);
}
const l2Ref = (x: Float64Array) => Math.hypot(...x) / Math.sqrt(x.length);

/** Central differences of f at every coordinate. */
function finiteDiff(f: (x: Float64Array) => number, x: Float64Array, eps = 1e-4): Float64Array {
  return x.map((_, i) => {
    const [p, m] = [x.slice(), x.slice()];
    p[i]! += eps;
    m[i]! -= eps;
    return (f(p) - f(m)) / (2 * eps);
  });
}

describe('regularizers (tf-keras-vis TotalVariation2D and Norm(p=2))', () => {
  const [h, w] = [5, 7];
  const u = mulberry32(11);
  // Random values over 0…100: two neighbours within the FD step of each other (a TV kink) is a ~1e-6 chance.
  const x32 = Float32Array.from({ length: h * w * 3 }, () => 100 * u());
  const x = Float64Array.from(x32);

  it.each([
    { tv: 10, l2: 0 },
    { tv: 0, l2: 10 },
    { tv: 3, l2: 7 },
  ])('value and gradient of %o match the definition and its central differences', (weights) => {
    const reg = (v: Float64Array) => weights.tv * tvRef(v, h, w) + weights.l2 * l2Ref(v);
    const p = penalty(x32, h, w, weights);
    expect(p.value).toBeCloseTo(reg(x), 10);
    const fd = finiteDiff(reg, x);
    const scale = Math.max(...fd.map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    p.gradient.forEach((g, i) => expect(Math.abs(g - fd[i]!)).toBeLessThan(1e-6 * scale + 1e-9));
  });

  it('a constant image has no total variation; the zero image no L2 gradient (no NaN)', () => {
    const flat = penalty(new Float32Array(h * w * 3).fill(3), h, w, { tv: 10, l2: 0 });
    expect(flat.value).toBe(0);
    expect(flat.gradient.every((g) => g === 0)).toBe(true);
    const zero = penalty(new Float32Array(h * w * 3), h, w, { tv: 0, l2: 10 });
    expect([zero.value, zero.gradient.every((g) => g === 0)]).toEqual([0, true]);
  });
});

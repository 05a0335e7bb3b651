import { describe, expect, it } from 'vitest';
import type { FloatTensor } from '@vggscope/core';
import { mulberry32 } from '@vggscope/synth-weights';
import { conv2dBackwardData, denseBackward, globalPoolBackward, maxPool2x2Backward, reluBackward } from './backward.js';
import { conv2dRelu } from './conv2d-relu.js';
import { dense } from './dense.js';
import { globalPool } from './global-pool.js';
import { maxPool2x2 } from './max-pool.js';

function random(shape: number[], seed: number, scale = 1, offset = 0): FloatTensor {
  const rand = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, () => offset + scale * (rand() * 2 - 1)), shape };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * The directional derivative of L(x) = Σ r·f(x) along random directions d, by central differences
 * of the forward op, against Σ ∂L/∂x · d from the backward op (∂L/∂y = r).
 */
function expectMatchesFiniteDifferences(
  f: (x: FloatTensor) => FloatTensor,
  x: FloatTensor,
  r: FloatTensor,
  grad: FloatTensor,
  o: { eps: number; tol: number; directions?: number; seed?: number },
): void {
  expect(grad.shape).toEqual(x.shape);
  const rand = mulberry32(o.seed ?? 99);
  for (let t = 0; t < (o.directions ?? 3); t++) {
    const d = Float32Array.from(x.data, () => rand() * 2 - 1);
    const at = (s: number) =>
      dot(r.data, f({ data: x.data.map((v, i) => v + s * o.eps * d[i]!), shape: x.shape }).data);
    const fd = (at(1) - at(-1)) / (2 * o.eps);
    const analytic = dot(grad.data, d);
    expect(
      Math.abs(fd - analytic) / Math.max(1e-9, Math.abs(analytic)),
      `fd ${fd} vs analytic ${analytic}`,
    ).toBeLessThan(o.tol);
  }
}

describe('reference backward ops vs finite differences of the forward ops (float64 sums)', () => {
  it.each([
    [[1, 5, 7, 3], 4],
    [[2, 4, 4, 1], 2],
    [[1, 3, 6, 5], 8],
  ])('conv2d backward-data x=%j cout=%i: linear part (bias keeps ReLU open), exact adjoint', (shape, cout) => {
    const x = random(shape, 1);
    const kernel = random([3, 3, shape[3]!, cout], 2, 0.3);
    const bias = { data: new Float32Array(cout).fill(20), shape: [cout] }; // every output > 0: no ReLU kink
    const r = random([...shape.slice(0, 3), cout], 3);
    const grad = conv2dBackwardData(r, kernel);
    // Linear in x here, so any step gives the exact derivative up to float32 rounding of the forward.
    expectMatchesFiniteDifferences((t) => conv2dRelu(t, kernel, bias), x, r, grad, { eps: 0.5, tol: 1e-4 });
  });

  it('conv2d + ReLU x=[1,5,7,3]→4: ReLU mask from the output, then backward-data', () => {
    const x = random([1, 5, 7, 3], 4);
    const kernel = random([3, 3, 3, 4], 5);
    const bias = random([4], 6, 0.5);
    const y = conv2dRelu(x, kernel, bias);
    expect(y.data.some((v) => v === 0) && y.data.some((v) => v > 0), 'both sides of the ReLU are exercised').toBe(true);
    const r = random([1, 5, 7, 4], 7);
    const grad = conv2dBackwardData(reluBackward(r, y, 'plain'), kernel);
    expectMatchesFiniteDifferences((t) => conv2dRelu(t, kernel, bias), x, r, grad, { eps: 1e-3, tol: 2e-3 });
  });

  it('guided ReLU passes only positive gradients where the output is positive', () => {
    const y = { data: Float32Array.from([0, 1, 2, 0, 3]), shape: [1, 5] };
    const dy = { data: Float32Array.from([1, -1, 2, -3, 0.5]), shape: [1, 5] };
    expect([...reluBackward(dy, y, 'plain').data]).toEqual([0, -1, 2, 0, 0.5]);
    expect([...reluBackward(dy, y, 'guided').data]).toEqual([0, 0, 2, 0, 0.5]);
  });

  it.each([[[1, 4, 6, 3]], [[2, 5, 7, 2]]])(
    'max pool backward x=%j (distinct values; odd rows/columns get 0)',
    (shape) => {
      const x = random(shape, 8);
      const [n, h, w, c] = shape as [number, number, number, number];
      const r = random([n, h >> 1, w >> 1, c], 9);
      const grad = maxPool2x2Backward(r, x);
      expectMatchesFiniteDifferences(maxPool2x2, x, r, grad, { eps: 1e-3, tol: 1e-3 });
      if (h % 2) for (let i = 0; i < w * c; i++) expect(grad.data[(h - 1) * w * c + i]).toBe(0);
    },
  );

  it("max pool backward: ties go to the first maximum in row-major order (TF's rule)", () => {
    // One channel, windows [[1,3],[3,2]] and [[5,5],[5,5]].
    const x = { data: Float32Array.from([1, 3, 5, 5, 3, 2, 5, 5]), shape: [1, 2, 4, 1] };
    const dy = { data: Float32Array.from([10, 20]), shape: [1, 1, 2, 1] };
    expect([...maxPool2x2Backward(dy, x).data]).toEqual([0, 10, 20, 0, 0, 0, 0, 0]);
  });

  it.each(['avg', 'max'] as const)('global %s pool backward x=[2,3,5,4]', (mode) => {
    const x = random([2, 3, 5, 4], 10);
    const r = random([2, 4], 11);
    const grad = globalPoolBackward(r, x, mode);
    // avg is linear (any step is exact); max is linear until the maximum changes (gaps ≫ 1e-3 here).
    const eps = mode === 'avg' ? 0.5 : 1e-3;
    expectMatchesFiniteDifferences((t) => globalPool(t, mode), x, r, grad, { eps, tol: 1e-3 });
  });

  it.each([
    ['relu', [3, 17, 9]],
    ['linear', [2, 33, 1000]],
  ] as const)('dense %s backward x=%j', (activation, [n, fin, fout]) => {
    const x = random([n, fin], 12);
    const kernel = random([fin, fout], 13, 0.2);
    const bias = random([fout], 14, 0.1);
    const y = dense(x, kernel, bias, activation);
    const r = random([n, fout], 15);
    const dz = activation === 'relu' ? reluBackward(r, y, 'plain') : r;
    const grad = denseBackward(dz, kernel);
    expectMatchesFiniteDifferences((t) => dense(t, kernel, bias, activation), x, r, grad, { eps: 1e-3, tol: 2e-3 });
  });
});

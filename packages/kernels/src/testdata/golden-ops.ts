/**
 * Op cases with outputs worked out by hand, run against every backend. Each name gives the
 * shapes, in the house style: 'x=[1,3,3,1] w=[3,3,1,1] same'.
 */
export type GoldenCase =
  | { name: string; op: 'conv2dRelu'; x: Case; kernel: Case; bias: Case; expected: Case }
  | { name: string; op: 'maxPool2x2'; x: Case; expected: Case }
  | { name: string; op: 'dense'; x: Case; kernel: Case; bias: Case; activation: 'relu' | 'softmax'; expected: Case }
  | { name: string; op: 'globalPool'; x: Case; mode: 'avg' | 'max'; expected: Case };
type Case = { shape: number[]; data: number[] };

const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);

export const GOLDEN_CASES: GoldenCase[] = [
  {
    name: 'x=[1,3,3,1] w=[3,3,1,1] ones, b=0.5: corners see 4, edges 6, centre 9',
    op: 'conv2dRelu',
    x: { shape: [1, 3, 3, 1], data: Array(9).fill(1) },
    kernel: { shape: [3, 3, 1, 1], data: Array(9).fill(1) },
    bias: { shape: [1], data: [0.5] },
    expected: { shape: [1, 3, 3, 1], data: [4.5, 6.5, 4.5, 6.5, 9.5, 6.5, 4.5, 6.5, 4.5] },
  },
  {
    // A single 1 at the centre: out(y,x) = k[2-y][2-x] (cross-correlation, as TF/Keras compute it).
    name: 'x=[1,3,3,1] impulse, w=[3,3,1,1] 1..9: output is the kernel reversed (no flip in Keras convs)',
    op: 'conv2dRelu',
    x: { shape: [1, 3, 3, 1], data: [0, 0, 0, 0, 1, 0, 0, 0, 0] },
    kernel: { shape: [3, 3, 1, 1], data: range(9) },
    bias: { shape: [1], data: [0] },
    expected: { shape: [1, 3, 3, 1], data: [9, 8, 7, 6, 5, 4, 3, 2, 1] },
  },
  {
    name: 'x=[1,2,2,1] w=[3,3,1,2] (+1s, −1s), b=[0,1]: ReLU zeroes the negative channel',
    op: 'conv2dRelu',
    x: { shape: [1, 2, 2, 1], data: [1, 2, 3, 4] },
    kernel: { shape: [3, 3, 1, 2], data: Array.from({ length: 18 }, (_, i) => (i % 2 === 0 ? 1 : -1)) },
    bias: { shape: [2], data: [0, 1] },
    expected: { shape: [1, 2, 2, 2], data: [10, 0, 10, 0, 10, 0, 10, 0] },
  },
  {
    name: 'x=[1,1,1,2] w=[3,3,2,1] centre [3,−1]: channels summed, padding contributes nothing',
    op: 'conv2dRelu',
    x: { shape: [1, 1, 1, 2], data: [1, 2] },
    kernel: { shape: [3, 3, 2, 1], data: Array.from({ length: 18 }, (_, i) => (i === 8 ? 3 : i === 9 ? -1 : 100)) },
    bias: { shape: [1], data: [0] },
    expected: { shape: [1, 1, 1, 1], data: [1] },
  },
  {
    name: 'x=[1,3,3,1] 1..9 maxpool 2×2/2 valid: one window, odd row and column dropped',
    op: 'maxPool2x2',
    x: { shape: [1, 3, 3, 1], data: range(9) },
    expected: { shape: [1, 1, 1, 1], data: [5] },
  },
  {
    name: 'x=[2,2,4,1] maxpool: per batch item, negatives kept',
    op: 'maxPool2x2',
    x: { shape: [2, 2, 4, 1], data: [-5, -2, -7, -8, -3, -4, -9, -6, 1, 2, 3, 4, 5, 6, 7, 8] },
    expected: { shape: [2, 1, 2, 1], data: [-2, -6, 6, 8] },
  },
  {
    name: 'x=[1,2] w=[2,3] relu: [1,−2]·W + b = [3,−8,0.5] → [3,0,0.5]',
    op: 'dense',
    x: { shape: [1, 2], data: [1, -2] },
    kernel: { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] },
    bias: { shape: [3], data: [10, 0, 9.5] },
    activation: 'relu',
    expected: { shape: [1, 3], data: [3, 0, 0.5] },
  },
  {
    name: 'x=[1,1] w=[1,2] softmax of logits [0, ln 3] = [¼, ¾]',
    op: 'dense',
    x: { shape: [1, 1], data: [0] },
    kernel: { shape: [1, 2], data: [0, 0] },
    bias: { shape: [2], data: [0, Math.log(3)] },
    activation: 'softmax',
    expected: { shape: [1, 2], data: [0.25, 0.75] },
  },
  {
    name: 'x=[1,2,2,2] global avg',
    op: 'globalPool',
    mode: 'avg',
    x: { shape: [1, 2, 2, 2], data: [1, 10, 2, 20, 3, 30, 4, 40] },
    expected: { shape: [1, 2], data: [2.5, 25] },
  },
  {
    name: 'x=[1,2,2,2] global max',
    op: 'globalPool',
    mode: 'max',
    x: { shape: [1, 2, 2, 2], data: [1, -10, 2, -20, 3, -30, 4, -40] },
    expected: { shape: [1, 2], data: [4, -10] },
  },
];

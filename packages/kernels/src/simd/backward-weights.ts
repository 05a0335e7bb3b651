import type { GraphLayer } from '@vggscope/core';
import { f32, type SimdContext } from './context.js';
import { prepareLayer, type ConvAlgorithm, type SimdLayer } from './prepared-layer.js';

/**
 * How a conv's ∂x runs, chosen for memory: these forms live as long as the session once a gradient
 * was asked for, on top of the forward's. F(4×4) Winograd stores 4× the kernel, F(2×2) 16/9, im2col
 * 1×. So: im2col where the forward found the map too small for F(4×4) (VGG16's block5 at 224²: the
 * GEMM is bound by reading the kernel there anyway), F(2×2) for kernels of 1 Mi weights or more
 * (block4–5: 2.4 M each), F(4×4) for the rest (block1–3: 7 MB of forms in all, and the fastest).
 * For VGG16 the forms take ≈ 98 MB instead of 224.5 MiB with F(4×4) everywhere.
 */
export function backwardAlgorithm(layer: SimdLayer): ConvAlgorithm {
  if (layer.algorithm === 'winograd2') return 'im2col';
  return 9 * layer.inputs * layer.outputs >= 1 << 20 ? 'winograd2' : 'winograd';
}

/**
 * The second prepared form of a conv layer for ∂x: the 3×3 kernel rotated 180° with its input and
 * output channels swapped, in the form `backwardAlgorithm` picks. Made on the first gradient from
 * the forward form already in wasm memory (the original weights are gone by then, and keeping them
 * would cost `extract` a copy of every kernel).
 */
export function prepareBackwardData(ctx: SimdContext, layer: SimdLayer, scratch: Float32Array): SimdLayer {
  const [cin, cout] = [layer.inputs, layer.outputs];
  const back = scratch.subarray(0, 9 * cin * cout);
  if (layer.algorithm === 'winograd') kernelFromWinograd(ctx, layer, F4, back);
  else if (layer.algorithm === 'winograd2') kernelFromWinograd(ctx, layer, F2, back);
  else if (layer.algorithm === 'winograd6') kernelFromWinograd(ctx, layer, F6, back);
  else kernelFromPanels(ctx, layer, back);
  const spec = { kind: 'conv', name: `${layer.name} ∂x`, filters: cin } as const;
  const fake: GraphLayer = {
    index: -1,
    name: spec.name,
    spec,
    inputShape: [0, 0, cout],
    outputShape: [0, 0, cin],
    weights: [],
    params: 0,
  };
  const weights = {
    kernel: { data: back, shape: [3, 3, cout, cin] },
    bias: { data: new Float32Array(cin), shape: [cin] },
  };
  return prepareLayer(ctx, fake, weights, backwardAlgorithm(layer));
}

/**
 * Where tap `tap` (ky·3 + kx) of the kernel's (ci → co) weight goes in the ∂x kernel: rotated 180°
 * (tap 8 − tap) with input and output channels swapped, HWIO `[3][3][cout][cin]`. The extractors
 * below write every element of it straight there, into the caller's scratch (one array for all
 * layers: per-layer 9 MB arrays freed later stayed in the process's RSS).
 */
function rotated(tap: number, ci: number, co: number, cin: number, cout: number): number {
  return ((8 - tap) * cout + co) * cin + ci;
}

/** The ∂x kernel from im2col panels `[n/8][9·cin][8]` (row = tap·cin + ci). */
function kernelFromPanels(ctx: SimdContext, layer: SimdLayer, out: Float32Array): void {
  const mem = f32(ctx);
  const [cin, cout] = [layer.inputs, layer.outputs];
  const k = 9 * cin;
  const base = layer.weights / 4;
  for (let row = 0; row < k; row++) {
    const [tap, ci] = [Math.floor(row / cin), row % cin];
    for (let co = 0; co < cout; co++)
      out[rotated(tap, ci, co, cin, cout)] = mem[base + (co >> 3) * k * 8 + row * 8 + (co & 7)]!;
  }
}

/** How to invert one Winograd form: three rows of G that form an invertible block, and that block's inverse. */
interface WinogradInverse {
  /** Positions per side of U (8 for F(6×6,3×3), 6 for F(4×4,3×3), 4 for F(2×2,3×3)). */
  readonly side: number;
  readonly rows: readonly [number, number, number];
  readonly T: readonly (readonly number[])[];
}

/** F(4×4,3×3): rows 0, 1 and 5 of G are [1/4 0 0], [−1/6 −1/6 −1/6], [0 0 1]. */
const F4: WinogradInverse = {
  side: 6,
  rows: [0, 1, 5],
  T: [
    [4, 0, 0],
    [-4, -6, -1],
    [0, 0, 1],
  ],
};

/** F(2×2,3×3) (assembly/winograd2.ts): rows 0, 1 and 3 of G are [1 0 0], [1/2 1/2 1/2], [0 0 1]. */
const F2: WinogradInverse = {
  side: 4,
  rows: [0, 1, 3],
  T: [
    [1, 0, 0],
    [-1, 2, -1],
    [0, 0, 1],
  ],
};

/** F(6×6,3×3) (assembly/winograd6.ts): rows 0, 1 and 7 of G are [1 0 0], [−2/9 −2/9 −2/9], [0 0 1]. */
const F6: WinogradInverse = {
  side: 8,
  rows: [0, 1, 7],
  T: [
    [1, 0, 0],
    [-1, -4.5, -1],
    [0, 0, 1],
  ],
};

/**
 * The ∂x kernel from Winograd U = G·g·Gᵀ (layout U[p][n/8][kPad][8], p = side·row + column): three
 * rows of G form an invertible 3×3 block, T = its inverse, so g = T·U[rows][rows]·Tᵀ exactly (up to
 * float32 rounding of U).
 */
function kernelFromWinograd(ctx: SimdContext, layer: SimdLayer, inverse: WinogradInverse, out: Float32Array): void {
  const mem = f32(ctx);
  const [cin, cout, kPad, nPad] = [layer.inputs, layer.outputs, layer.inStride, layer.outStride];
  const { side, rows, T } = inverse;
  const base = layer.weights / 4;
  const u = new Float64Array(9);
  const t = new Float64Array(9);
  for (let ci = 0; ci < cin; ci++) {
    for (let co = 0; co < cout; co++) {
      const at = (co >> 3) * kPad * 8 + ci * 8 + (co & 7);
      for (let r = 0; r < 3; r++)
        for (let s = 0; s < 3; s++) u[r * 3 + s] = mem[base + (side * rows[r]! + rows[s]!) * kPad * nPad + at]!;
      // t = T·u, then g = t·Tᵀ.
      for (let a = 0; a < 3; a++)
        for (let s = 0; s < 3; s++) t[a * 3 + s] = T[a]![0]! * u[s]! + T[a]![1]! * u[3 + s]! + T[a]![2]! * u[6 + s]!;
      for (let a = 0; a < 3; a++)
        for (let b = 0; b < 3; b++)
          out[rotated(a * 3 + b, ci, co, cin, cout)] =
            t[a * 3]! * T[b]![0]! + t[a * 3 + 1]! * T[b]![1]! + t[a * 3 + 2]! * T[b]![2]!;
    }
  }
}

import { madd } from './common';

// Winograd F(6×6,3×3): 8×8 tiles, 64 positions for 36 outputs (1.78 multiplies per output and
// input channel against F(4×4)'s 2.25), interpolation points 0, ±1, ±2, ±1/2 and ∞ — the matrices
// of Lavin & Gray and NNPACK (Barabasz et al. find no better set of this size for float32). Its
// float32 error is about twice F(4×4)'s, and U is 64/9 of the kernel: prepared-layer.ts picks it
// only where both are affordable.
// Only the transforms: the jobs around them (winograd-jobs.ts, winograd-tiles.ts) are shared by the three forms.

/**
 * Bᵀ·d over eight vectors d_k = src + k·stride, written to dst + k·dstStride. Rows of Bᵀ:
 * [1 0 -21/4 0 21/4 0 -1 0], [0 1 1 -17/4 -17/4 1 1 0], [0 -1 1 17/4 -17/4 -1 1 0],
 * [0 1/2 1/4 -5/2 -5/4 2 1 0], [0 -1/2 1/4 5/2 -5/4 -2 1 0], [0 2 4 -5/2 -5 1/2 1 0],
 * [0 -2 4 5/2 -5 -1/2 1 0], [0 -1 0 21/4 0 -21/4 0 1]: rows 2k−1 and 2k share their even and
 * odd halves.
 */
// @ts-ignore: decorator
@inline export function bt8(src: usize, stride: usize, dst: usize, dstStride: usize): void {
  const d0 = v128.load(src);
  const d1 = v128.load(src + stride);
  const d2 = v128.load(src + (stride << 1));
  const d3 = v128.load(src + stride * 3);
  const d4 = v128.load(src + (stride << 2));
  const d5 = v128.load(src + stride * 5);
  const d6 = v128.load(src + stride * 6);
  const d7 = v128.load(src + stride * 7);
  v128.store(dst, madd(f32x4.sub(d4, d2), f32x4.splat(5.25), f32x4.sub(d0, d6)));
  let e = madd(d4, f32x4.splat(-4.25), f32x4.add(d2, d6));
  let o = madd(d3, f32x4.splat(-4.25), f32x4.add(d1, d5));
  v128.store(dst + dstStride, f32x4.add(e, o));
  v128.store(dst + (dstStride << 1), f32x4.sub(e, o));
  e = madd(d4, f32x4.splat(-1.25), madd(d2, f32x4.splat(0.25), d6));
  o = madd(d5, f32x4.splat(2), madd(d3, f32x4.splat(-2.5), f32x4.mul(d1, f32x4.splat(0.5))));
  v128.store(dst + dstStride * 3, f32x4.add(e, o));
  v128.store(dst + (dstStride << 2), f32x4.sub(e, o));
  e = madd(d4, f32x4.splat(-5), madd(d2, f32x4.splat(4), d6));
  o = madd(d5, f32x4.splat(0.5), madd(d3, f32x4.splat(-2.5), f32x4.mul(d1, f32x4.splat(2))));
  v128.store(dst + dstStride * 5, f32x4.add(e, o));
  v128.store(dst + dstStride * 6, f32x4.sub(e, o));
  v128.store(dst + dstStride * 7, madd(f32x4.sub(d3, d5), f32x4.splat(5.25), f32x4.sub(d7, d1)));
}

/**
 * Aᵀ·m over eight vectors → six at dst + r·dstStride. Rows of Aᵀ: [1 1 1 1 1 1 1 0] and
 * [0 1 ±1 2^r ±2^r 2^−r ±2^−r 0] for r = 1…5 (signs alternate with r), the last + m7.
 */
// @ts-ignore: decorator
@inline export function at8(src: usize, stride: usize, dst: usize, dstStride: usize): void {
  const m1 = v128.load(src + stride);
  const m2 = v128.load(src + (stride << 1));
  const m3 = v128.load(src + stride * 3);
  const m4 = v128.load(src + (stride << 2));
  const m5 = v128.load(src + stride * 5);
  const m6 = v128.load(src + stride * 6);
  const a12 = f32x4.add(m1, m2);
  const s12 = f32x4.sub(m1, m2);
  const a34 = f32x4.add(m3, m4);
  const s34 = f32x4.sub(m3, m4);
  const a56 = f32x4.add(m5, m6);
  const s56 = f32x4.sub(m5, m6);
  v128.store(dst, f32x4.add(f32x4.add(v128.load(src), a12), f32x4.add(a34, a56)));
  v128.store(dst + dstStride, madd(s56, f32x4.splat(0.5), madd(s34, f32x4.splat(2), s12)));
  v128.store(dst + (dstStride << 1), madd(a56, f32x4.splat(0.25), madd(a34, f32x4.splat(4), a12)));
  v128.store(dst + dstStride * 3, madd(s56, f32x4.splat(0.125), madd(s34, f32x4.splat(8), s12)));
  v128.store(dst + (dstStride << 2), madd(a56, f32x4.splat(0.0625), madd(a34, f32x4.splat(16), a12)));
  const y5 = madd(s56, f32x4.splat(0.03125), madd(s34, f32x4.splat(32), s12));
  v128.store(dst + dstStride * 5, f32x4.add(y5, v128.load(src + stride * 7)));
}

/**
 * G·(x0, x1, x2), written to dst + r·dstStride. Rows of G: [1 0 0], [-2/9 -2/9 -2/9],
 * [-2/9 2/9 -2/9], [1/90 1/45 2/45], [1/90 -1/45 2/45], [32/45 16/45 8/45], [32/45 -16/45 8/45], [0 0 1].
 */
// @ts-ignore: decorator
@inline export function g8(x0: v128, x1: v128, x2: v128, dst: usize, dstStride: usize): void {
  const s = f32x4.add(x0, x2);
  const m29 = f32x4.splat(<f32>(-2.0 / 9.0));
  v128.store(dst, x0);
  v128.store(dst + dstStride, f32x4.mul(f32x4.add(s, x1), m29));
  v128.store(dst + (dstStride << 1), f32x4.mul(f32x4.sub(s, x1), m29));
  let e = madd(x2, f32x4.splat(<f32>(2.0 / 45.0)), f32x4.mul(x0, f32x4.splat(<f32>(1.0 / 90.0))));
  let o = f32x4.mul(x1, f32x4.splat(<f32>(1.0 / 45.0)));
  v128.store(dst + dstStride * 3, f32x4.add(e, o));
  v128.store(dst + (dstStride << 2), f32x4.sub(e, o));
  e = madd(x0, f32x4.splat(<f32>(32.0 / 45.0)), f32x4.mul(x2, f32x4.splat(<f32>(8.0 / 45.0))));
  o = f32x4.mul(x1, f32x4.splat(<f32>(16.0 / 45.0)));
  v128.store(dst + dstStride * 5, f32x4.add(e, o));
  v128.store(dst + dstStride * 6, f32x4.sub(e, o));
  v128.store(dst + dstStride * 7, x2);
}

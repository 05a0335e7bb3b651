// Winograd F(4×4,3×3): 6×6 input tiles, 36 positions, 4×4 outputs (Lavin & Gray). Only the
// transforms: the jobs around them (winograd-jobs.ts, winograd-tiles.ts) are shared by the three forms.

/**
 * Bᵀ·d over six vectors d_k = src + k·stride, written to dst + k·dstStride (F(4×4,3×3)):
 * rows of Bᵀ = [4 0 -5 0 1 0], [0 -4 -4 1 1 0], [0 4 -4 -1 1 0], [0 -2 -1 2 1 0], [0 2 -1 -2 1 0], [0 4 0 -5 0 1].
 */
// @ts-ignore: decorator
@inline export function bt6(src: usize, stride: usize, dst: usize, dstStride: usize): void {
  const d0 = v128.load(src);
  const d1 = v128.load(src + stride);
  const d2 = v128.load(src + (stride << 1));
  const d3 = v128.load(src + stride * 3);
  const d4 = v128.load(src + (stride << 2));
  const d5 = v128.load(src + stride * 5);
  const four = f32x4.splat(4);
  const five = f32x4.splat(5);
  const two = f32x4.splat(2);
  v128.store(dst, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
  v128.store(dst + dstStride, f32x4.sub(f32x4.add(d3, d4), f32x4.mul(four, f32x4.add(d1, d2))));
  v128.store(dst + (dstStride << 1), f32x4.add(f32x4.sub(d4, d3), f32x4.mul(four, f32x4.sub(d1, d2))));
  const e = f32x4.sub(d4, d2);
  const f = f32x4.mul(two, f32x4.sub(d3, d1));
  v128.store(dst + dstStride * 3, f32x4.add(e, f));
  v128.store(dst + (dstStride << 2), f32x4.sub(e, f));
  v128.store(dst + dstStride * 5, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
}

/**
 * Aᵀ·m over six vectors m_k = src + k·stride → four vectors at dst + r·dstStride (F(4×4,3×3)):
 * rows of Aᵀ = [1 1 1 1 1 0], [0 1 -1 2 -2 0], [0 1 1 4 4 0], [0 1 -1 8 -8 1].
 */
// @ts-ignore: decorator
@inline export function at6(src: usize, stride: usize, dst: usize, dstStride: usize): void {
  const m0 = v128.load(src);
  const m1 = v128.load(src + stride);
  const m2 = v128.load(src + (stride << 1));
  const m3 = v128.load(src + stride * 3);
  const m4 = v128.load(src + (stride << 2));
  const m5 = v128.load(src + stride * 5);
  const s12 = f32x4.add(m1, m2);
  const d12 = f32x4.sub(m1, m2);
  const s34 = f32x4.add(m3, m4);
  const d34 = f32x4.sub(m3, m4);
  v128.store(dst, f32x4.add(f32x4.add(m0, s12), s34));
  v128.store(dst + dstStride, f32x4.add(d12, f32x4.mul(f32x4.splat(2), d34)));
  v128.store(dst + (dstStride << 1), f32x4.add(s12, f32x4.mul(f32x4.splat(4), s34)));
  v128.store(dst + dstStride * 3, f32x4.add(f32x4.add(d12, f32x4.mul(f32x4.splat(8), d34)), m5));
}

/**
 * G·(x0, x1, x2) for the six rows of G of F(4×4,3×3): [1/4 0 0], [-1/6 -1/6 -1/6],
 * [-1/6 1/6 -1/6], [1/24 1/12 1/6], [1/24 -1/12 1/6], [0 0 1]; written to dst + r·dstStride.
 */
// @ts-ignore: decorator
@inline export function g6(x0: v128, x1: v128, x2: v128, dst: usize, dstStride: usize): void {
  const s = f32x4.add(x0, x2);
  const a = f32x4.mul(x0, f32x4.splat(<f32>(1.0 / 24.0)));
  const b = f32x4.mul(x1, f32x4.splat(<f32>(1.0 / 12.0)));
  const c = f32x4.mul(x2, f32x4.splat(<f32>(1.0 / 6.0)));
  const sixth = f32x4.splat(<f32>(-1.0 / 6.0));
  v128.store(dst, f32x4.mul(x0, f32x4.splat(0.25)));
  v128.store(dst + dstStride, f32x4.mul(f32x4.add(s, x1), sixth));
  v128.store(dst + (dstStride << 1), f32x4.mul(f32x4.sub(s, x1), sixth));
  v128.store(dst + dstStride * 3, f32x4.add(f32x4.add(a, b), c));
  v128.store(dst + (dstStride << 2), f32x4.add(f32x4.sub(a, b), c));
  v128.store(dst + dstStride * 5, x2);
}

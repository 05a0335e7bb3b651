// Winograd F(2×2,3×3): 16 positions instead of F(4×4)'s 36, so U is 16/9 of the kernel instead
// of 4×. For small deep maps (block5 at 224²: 14×14) the GEMM is bound by reading U, not by its
// multiplies, and U is what dominates the memory.
// Only the transforms: the jobs around them (winograd-jobs.ts, winograd-tiles.ts) are shared by the three forms.

/** Bᵀ·d over four vectors: rows of Bᵀ = [1 0 -1 0], [0 1 1 0], [0 -1 1 0], [0 1 0 -1]. */
// @ts-ignore: decorator
@inline export function bt4(src: usize, stride: usize, dst: usize, dstStride: usize): void {
  const d0 = v128.load(src);
  const d1 = v128.load(src + stride);
  const d2 = v128.load(src + (stride << 1));
  const d3 = v128.load(src + stride * 3);
  v128.store(dst, f32x4.sub(d0, d2));
  v128.store(dst + dstStride, f32x4.add(d1, d2));
  v128.store(dst + (dstStride << 1), f32x4.sub(d2, d1));
  v128.store(dst + dstStride * 3, f32x4.sub(d1, d3));
}

/** Aᵀ·m over four vectors → two: rows of Aᵀ = [1 1 1 0], [0 1 -1 -1]. */
// @ts-ignore: decorator
@inline export function at4(src: usize, stride: usize, dst: usize, dstStride: usize): void {
  const m0 = v128.load(src);
  const m1 = v128.load(src + stride);
  const m2 = v128.load(src + (stride << 1));
  const m3 = v128.load(src + stride * 3);
  v128.store(dst, f32x4.add(f32x4.add(m0, m1), m2));
  v128.store(dst + dstStride, f32x4.sub(f32x4.sub(m1, m2), m3));
}

/** G·(x0, x1, x2): rows of G = [1 0 0], [1/2 1/2 1/2], [1/2 -1/2 1/2], [0 0 1]. */
// @ts-ignore: decorator
@inline export function g4(x0: v128, x1: v128, x2: v128, dst: usize, dstStride: usize): void {
  const half = f32x4.splat(0.5);
  const s = f32x4.add(x0, x2);
  v128.store(dst, x0);
  v128.store(dst + dstStride, f32x4.mul(f32x4.add(s, x1), half));
  v128.store(dst + (dstStride << 1), f32x4.mul(f32x4.sub(s, x1), half));
  v128.store(dst + dstStride * 3, x2);
}

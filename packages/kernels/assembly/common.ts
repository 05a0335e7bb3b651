import { W_ARGS } from './abi.generated';

// Shared helpers of the SIMD kernels. No static data anywhere in this module: every instantiation
// on the shared memory would re-run the data segments and overwrite live activations.

// EXACT_FMA: a global constant from the compiler (`--use EXACT_FMA=1` in the exact-FMA build, 0 in the
// others: scripts/build-wasm.mjs). Not declared here: a `declare const` would become a wasm import.

/**
 * a·b + c: a fused FMA in the relaxed-SIMD build, the same result computed in float64 in the exact-FMA
 * build (every kernel outside the GEMM tile, e.g. F(6×6)'s transforms), mul then add in the portable one.
 */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  if (EXACT_FMA) return fusedInFloat64(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** a·b + c per lane, rounded once to float32: the product of two floats is exact in float64, the sum rounds there first. */
// @ts-ignore: decorator
@inline function fusedInFloat64(a: v128, b: v128, c: v128): v128 {
  const lo = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b)), f64x2.promote_low_f32x4(c));
  const ah = v128.shuffle<u32>(a, a, 2, 3, 2, 3);
  const bh = v128.shuffle<u32>(b, b, 2, 3, 2, 3);
  const ch = v128.shuffle<u32>(c, c, 2, 3, 2, 3);
  const hi = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(ah), f64x2.promote_low_f32x4(bh)), f64x2.promote_low_f32x4(ch));
  return v128.shuffle<u32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** The i-th 32-bit argument of the op in the control block (indices: the `<OP>_<ARG>` constants of abi.generated.ts). */
// @ts-ignore: decorator
@inline export function arg(ctrl: usize, i: i32): i32 {
  return load<i32>(ctrl + ((<usize>(i + W_ARGS)) << 2));
}

// @ts-ignore: decorator
@inline export function argPtr(ctrl: usize, i: i32): usize {
  return <usize>load<u32>(ctrl + ((<usize>(i + W_ARGS)) << 2));
}

// @ts-ignore: decorator
@inline export function min(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

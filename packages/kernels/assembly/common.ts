import { W_ARGS } from './abi.generated';

// Shared helpers of the SIMD kernels. No static data anywhere in this module: every instantiation
// on the shared memory would re-run the data segments and overwrite live activations.

/** 1 in the exact-FMA build (`--use EXACT_FMA=1`: the GEMM emulates a fused multiply-add in float64), else 0. */
declare const EXACT_FMA: i32;

/** a·b + c: a fused FMA in the relaxed-SIMD build, mul then add in the portable one. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
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

import {
  GEMM_A,
  GEMM_B,
  GEMM_BIAS,
  GEMM_C,
  GEMM_COLS_PER_JOB,
  GEMM_K,
  GEMM_LDA,
  GEMM_LDC,
  GEMM_N,
  GEMM_RELU,
  GEMM_ROWS,
  GEMM_ROWS_PER_JOB,
  GEMM_STRIDE_A,
  GEMM_STRIDE_B,
  GEMM_STRIDE_C,
  MR,
  NR,
} from './abi.generated';
import { argPtr, arg, madd, min } from './common';

/**
 * C[4×8] (= or +bias, ReLU) ← A[4×K] · Bpanel[K×8]. Eight accumulators and a plain k-loop: V8
 * hoists every load of a source-unrolled loop and spills, so it stays simple (toolchain note 15).
 */
// @ts-ignore: decorator
@inline function tile4x8(a: usize, lda: usize, b: usize, c: usize, ldc: usize, k: i32, bias: usize, relu: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let a0 = a;
  let a1 = a + lda;
  let a2 = a + (lda << 1);
  let a3 = a + lda * 3;
  for (let i = 0; i < k; i++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a0);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    x = v128.load32_splat(a1);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    x = v128.load32_splat(a2);
    c20 = madd(x, b0, c20);
    c21 = madd(x, b1, c21);
    x = v128.load32_splat(a3);
    c30 = madd(x, b0, c30);
    c31 = madd(x, b1, c31);
    a0 += 4;
    a1 += 4;
    a2 += 4;
    a3 += 4;
    b += 32;
  }
  if (bias) {
    const z0 = v128.load(bias);
    const z1 = v128.load(bias, 16);
    c00 = f32x4.add(c00, z0); c01 = f32x4.add(c01, z1);
    c10 = f32x4.add(c10, z0); c11 = f32x4.add(c11, z1);
    c20 = f32x4.add(c20, z0); c21 = f32x4.add(c21, z1);
    c30 = f32x4.add(c30, z0); c31 = f32x4.add(c31, z1);
  }
  if (relu) {
    const z = f32x4.splat(0);
    c00 = f32x4.max(c00, z); c01 = f32x4.max(c01, z);
    c10 = f32x4.max(c10, z); c11 = f32x4.max(c11, z);
    c20 = f32x4.max(c20, z); c21 = f32x4.max(c21, z);
    c30 = f32x4.max(c30, z); c31 = f32x4.max(c31, z);
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  c += ldc;
  v128.store(c, c10); v128.store(c, c11, 16);
  c += ldc;
  v128.store(c, c20); v128.store(c, c21, 16);
  c += ldc;
  v128.store(c, c30); v128.store(c, c31, 16);
}

/**
 * The tile of tile4x8 for the exact-FMA build (`EXACT_FMA`): every a·b + c is the fused multiply-add's
 * result, computed in float64 (the product of two floats is exact there) and rounded to float32 at each
 * step — the bytes of the relaxed-SIMD build on engines whose `relaxed_madd` is not fused (JavaScriptCore).
 * The rounding is a double one (to float64, then float32); it differs from a single one only when the
 * float64 sum lands exactly halfway between two floats, about once in 2^28 steps.
 * Four columns at a time: 4 rows × 2 f64x2 accumulators, each holding float32 values.
 */
// @ts-ignore: decorator
@inline function tile4x4Exact(a: usize, lda: usize, b: usize, c: usize, ldc: usize, k: i32, bias: usize, relu: i32): void {
  let c0l = f64x2.splat(0), c0h = f64x2.splat(0);
  let c1l = f64x2.splat(0), c1h = f64x2.splat(0);
  let c2l = f64x2.splat(0), c2h = f64x2.splat(0);
  let c3l = f64x2.splat(0), c3h = f64x2.splat(0);
  let a0 = a;
  let a1 = a + lda;
  let a2 = a + (lda << 1);
  let a3 = a + lda * 3;
  for (let i = 0; i < k; i++) {
    const bv = v128.load(b);
    const bl = f64x2.promote_low_f32x4(bv);
    const bh = f64x2.promote_low_f32x4(v128.shuffle<u32>(bv, bv, 2, 3, 2, 3));
    let x = f64x2.splat(<f64>load<f32>(a0));
    c0l = fusedRound(x, bl, c0l);
    c0h = fusedRound(x, bh, c0h);
    x = f64x2.splat(<f64>load<f32>(a1));
    c1l = fusedRound(x, bl, c1l);
    c1h = fusedRound(x, bh, c1h);
    x = f64x2.splat(<f64>load<f32>(a2));
    c2l = fusedRound(x, bl, c2l);
    c2h = fusedRound(x, bh, c2h);
    x = f64x2.splat(<f64>load<f32>(a3));
    c3l = fusedRound(x, bl, c3l);
    c3h = fusedRound(x, bh, c3h);
    a0 += 4;
    a1 += 4;
    a2 += 4;
    a3 += 4;
    b += 32;
  }
  finish4(c, c0l, c0h, bias, relu);
  finish4(c + ldc, c1l, c1h, bias, relu);
  finish4(c + (ldc << 1), c2l, c2h, bias, relu);
  finish4(c + ldc * 3, c3l, c3h, bias, relu);
}

/** x·b + c rounded to float32 (x, b, c float32 values held in float64 lanes; x·b is exact). */
// @ts-ignore: decorator
@inline function fusedRound(x: v128, b: v128, c: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(x, b), c)));
}

/** Four float32 results back from two f64x2 (exact), then bias and ReLU as tile4x8 does them. */
// @ts-ignore: decorator
@inline function finish4(c: usize, lo: v128, hi: v128, bias: usize, relu: i32): void {
  let v = v128.shuffle<u32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
  if (bias) v = f32x4.add(v, v128.load(bias));
  if (relu) v = f32x4.max(v, f32x4.splat(0));
  v128.store(c, v);
}

/** C[4×8] with the exact-FMA tile: two passes of four columns over the same A rows. */
// @ts-ignore: decorator
@inline function tile4x8Exact(a: usize, lda: usize, b: usize, c: usize, ldc: usize, k: i32, bias: usize, relu: i32): void {
  tile4x4Exact(a, lda, b, c, ldc, k, bias, relu);
  tile4x4Exact(a, lda, b + 16, c + 16, ldc, k, bias ? bias + 16 : 0, relu);
}

/**
 * One job of a batch of GEMMs C_p = A_p · B_p (+bias, ReLU): job j is one (row block, column
 * block) of matrix p. B_p is packed as [N/8][K][8]; rows are padded to MR, N to NR.
 * Args (GEMM_*): a, lda (bytes), strideA, b, strideB, c, ldc (bytes), strideC, rows, k, n,
 * rowsPerJob, bias (0: none), relu, colsPerJob (a multiple of NR).
 */
export function gemmJob(ctrl: usize, j: i32): void {
  const rows = arg(ctrl, GEMM_ROWS);
  const rowsPerJob = arg(ctrl, GEMM_ROWS_PER_JOB);
  const colsPerJob = arg(ctrl, GEMM_COLS_PER_JOB);
  const rowBlocks = (rows + rowsPerJob - 1) / rowsPerJob;
  const colBlocks = (arg(ctrl, GEMM_N) + colsPerJob - 1) / colsPerJob;
  const perMatrix = rowBlocks * colBlocks;
  const p = j / perMatrix;
  const rest = j % perMatrix;
  const r0 = (rest / colBlocks) * rowsPerJob;
  const r1 = min(rows, r0 + rowsPerJob);
  const c0 = (rest % colBlocks) * colsPerJob;
  const lda = argPtr(ctrl, GEMM_LDA);
  const ldc = argPtr(ctrl, GEMM_LDC);
  const k = arg(ctrl, GEMM_K);
  const n = min(arg(ctrl, GEMM_N), c0 + colsPerJob);
  const a = argPtr(ctrl, GEMM_A) + (<usize>p) * argPtr(ctrl, GEMM_STRIDE_A);
  const b = argPtr(ctrl, GEMM_B) + (<usize>p) * argPtr(ctrl, GEMM_STRIDE_B);
  const c = argPtr(ctrl, GEMM_C) + (<usize>p) * argPtr(ctrl, GEMM_STRIDE_C);
  gemmBlock(a, lda, b, c, ldc, r0, r1, k, c0, n, argPtr(ctrl, GEMM_BIAS), arg(ctrl, GEMM_RELU));
}

/** C[r0..r1, n0..n1) = A·B (+bias, ReLU) with B packed as [N/8][K][8]; r1 − r0 a multiple of MR. */
export function gemmBlock(
  a: usize, lda: usize, b: usize, c: usize, ldc: usize, r0: i32, r1: i32, k: i32, n0: i32, n1: i32, bias: usize, relu: i32,
): void {
  const panelBytes = (<usize>k) << 5;
  for (let n = n0; n < n1; n += NR) {
    const bp = b + (<usize>(n >> 3)) * panelBytes;
    const bb = bias ? bias + ((<usize>n) << 2) : 0;
    for (let r = r0; r < r1; r += MR) {
      const ar = a + (<usize>r) * lda;
      const cr = c + (<usize>r) * ldc + ((<usize>n) << 2);
      if (EXACT_FMA) tile4x8Exact(ar, lda, bp, cr, ldc, k, bb, relu);
      else tile4x8(ar, lda, bp, cr, ldc, k, bb, relu);
    }
  }
}

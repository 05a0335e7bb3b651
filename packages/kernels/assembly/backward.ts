import {
  DENSE_DATA_DX,
  DENSE_DATA_DX_STRIDE,
  DENSE_DATA_DZ,
  DENSE_DATA_DZ_STRIDE,
  DENSE_DATA_IMAGES,
  DENSE_DATA_K,
  DENSE_DATA_N_PAD,
  DENSE_DATA_PER_JOB,
  DENSE_DATA_WT,
  MAX_POOL_BACKWARD_CP,
  MAX_POOL_BACKWARD_DY,
  MAX_POOL_BACKWARD_H,
  MAX_POOL_BACKWARD_OUT,
  MAX_POOL_BACKWARD_PER_JOB,
  MAX_POOL_BACKWARD_W,
  MAX_POOL_BACKWARD_X,
  RELU_BACKWARD_DY,
  RELU_BACKWARD_FLOATS,
  RELU_BACKWARD_GUIDED,
  RELU_BACKWARD_OUT,
  RELU_BACKWARD_PER_JOB,
  RELU_BACKWARD_Y,
  WINOGRAD_OUTPUT_LINEAR_CP,
  WINOGRAD_OUTPUT_LINEAR_H,
  WINOGRAD_OUTPUT_LINEAR_M,
  WINOGRAD_OUTPUT_LINEAR_OUT,
  WINOGRAD_OUTPUT_LINEAR_PER_JOB,
  WINOGRAD_OUTPUT_LINEAR_ROWS,
  WINOGRAD_OUTPUT_LINEAR_TILES,
  WINOGRAD_OUTPUT_LINEAR_TILES_W,
  WINOGRAD_OUTPUT_LINEAR_W,
} from './abi.generated';
import { arg, argPtr, min } from './common';

// The reverse-pass kernels (src/simd/backward-ops.ts drives them). Forward kernels are reused
// where the math is the same (the Winograd input transform and the GEMM); these are the parts
// that differ: a linear output transform, the ReLU mask, max-pool routing, dense ∂x.

/** Aᵀ·m over six vectors (F(4×4,3×3)); the same transform as winograd-output.ts's at6. */
// @ts-ignore: decorator
@inline function at6(src: usize, stride: usize, dst: usize, dstStride: usize): void {
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
 * One job of the Winograd output transform without bias or ReLU (∂x of a conv is linear):
 * tiles [j·perJob, …) of one image, M[p][tile][c] → 4×4 outputs, clipped at the map's edges.
 * Args: M, out, H, W, Cp, tilesW, tiles, paddedTiles, perJob. Scratch: 24·16 + 16·16 bytes.
 */
export function winogradOutputLinearJob(ctrl: usize, j: i32, scratch: usize): void {
  const m = argPtr(ctrl, WINOGRAD_OUTPUT_LINEAR_M);
  const out = argPtr(ctrl, WINOGRAD_OUTPUT_LINEAR_OUT);
  const h = arg(ctrl, WINOGRAD_OUTPUT_LINEAR_H);
  const w = arg(ctrl, WINOGRAD_OUTPUT_LINEAR_W);
  const cp = arg(ctrl, WINOGRAD_OUTPUT_LINEAR_CP);
  const tilesW = arg(ctrl, WINOGRAD_OUTPUT_LINEAR_TILES_W);
  const tiles = arg(ctrl, WINOGRAD_OUTPUT_LINEAR_TILES);
  const perJob = arg(ctrl, WINOGRAD_OUTPUT_LINEAR_PER_JOB);
  const t0 = j * perJob;
  const t1 = min(tiles, t0 + perJob);
  const pixel = (<usize>cp) << 2;
  const strideP = (<usize>arg(ctrl, WINOGRAD_OUTPUT_LINEAR_ROWS)) * pixel;
  const row = (<usize>w) * pixel;
  const tmp = scratch;
  const res = scratch + 384;
  for (let t = t0; t < t1; t++) {
    const y0 = (t / tilesW) * 4;
    const x0 = (t % tilesW) * 4;
    const ny = min(4, h - y0);
    const nx = min(4, w - x0);
    const mt = m + (<usize>t) * pixel;
    for (let c = 0; c < cp; c += 4) {
      const src = mt + ((<usize>c) << 2);
      for (let x = 0; x < 6; x++) at6(src + (<usize>x) * strideP, strideP * 6, tmp + ((<usize>x) << 4), 96);
      for (let r = 0; r < 4; r++) at6(tmp + (<usize>r) * 96, 16, res + ((<usize>r) << 6), 16);
      for (let r = 0; r < ny; r++) {
        const dst = out + (<usize>(y0 + r)) * row + (<usize>x0) * pixel + ((<usize>c) << 2);
        for (let q = 0; q < nx; q++) v128.store(dst + (<usize>q) * pixel, v128.load(res + ((<usize>(r * 4 + q)) << 4)));
      }
    }
  }
}

/**
 * One job of the ReLU backward over a whole buffer: out = dy where y > 0 (and, guided, dy > 0).
 * Args: dy, y, out, floats (a multiple of 4), perJob (floats, a multiple of 4), guided.
 */
export function reluBackwardJob(ctrl: usize, j: i32): void {
  const dy = argPtr(ctrl, RELU_BACKWARD_DY);
  const y = argPtr(ctrl, RELU_BACKWARD_Y);
  const out = argPtr(ctrl, RELU_BACKWARD_OUT);
  const floats = arg(ctrl, RELU_BACKWARD_FLOATS);
  const perJob = arg(ctrl, RELU_BACKWARD_PER_JOB);
  const guided = arg(ctrl, RELU_BACKWARD_GUIDED) != 0;
  const i0 = j * perJob;
  const i1 = min(floats, i0 + perJob);
  const zero = f32x4.splat(0);
  for (let i = i0; i < i1; i += 4) {
    const at = (<usize>i) << 2;
    const g = v128.load(dy + at);
    let keep = f32x4.gt(v128.load(y + at), zero);
    if (guided) keep = v128.and(keep, f32x4.gt(g, zero));
    v128.store(out + at, v128.and(g, keep));
  }
}

/**
 * One job of the 2×2 stride-2 max-pool backward: output rows [j·perJob, …) of one image; each
 * window's gradient goes to its first maximum in row-major order (TF's rule), the other three
 * positions get 0. Rows and columns the pool dropped are left as they are (zeroed by the caller).
 * Args: x (the pool's input), dy, out (x's layout), H, W, Cp, perJob.
 */
export function maxPoolBackwardJob(ctrl: usize, j: i32): void {
  const x = argPtr(ctrl, MAX_POOL_BACKWARD_X);
  const dy = argPtr(ctrl, MAX_POOL_BACKWARD_DY);
  const out = argPtr(ctrl, MAX_POOL_BACKWARD_OUT);
  const w = arg(ctrl, MAX_POOL_BACKWARD_W);
  const cp = arg(ctrl, MAX_POOL_BACKWARD_CP);
  const perJob = arg(ctrl, MAX_POOL_BACKWARD_PER_JOB);
  const oh = arg(ctrl, MAX_POOL_BACKWARD_H) >> 1;
  const ow = w >> 1;
  const pixel = (<usize>cp) << 2;
  const row = (<usize>w) * pixel;
  const y0 = j * perJob;
  const y1 = min(oh, y0 + perJob);
  for (let y = y0; y < y1; y++) {
    let g = dy + (<usize>y) * (<usize>ow) * pixel;
    const top = (<usize>(2 * y)) * row;
    for (let xo = 0; xo < ow; xo++) {
      const a = top + (<usize>(2 * xo)) * pixel;
      for (let c: usize = 0; c < pixel; c += 16) {
        const v0 = v128.load(x + a + c);
        const v1 = v128.load(x + a + pixel + c);
        const v2 = v128.load(x + a + row + c);
        const v3 = v128.load(x + a + row + pixel + c);
        const m = f32x4.max(f32x4.max(v0, v1), f32x4.max(v2, v3));
        const d = v128.load(g + c);
        const e0 = f32x4.eq(v0, m);
        const e1 = v128.andnot(f32x4.eq(v1, m), e0);
        const seen = v128.or(e0, e1);
        const e2 = v128.andnot(f32x4.eq(v2, m), seen);
        const e3 = v128.not(v128.or(seen, e2));
        v128.store(out + a + c, v128.and(d, e0));
        v128.store(out + a + pixel + c, v128.and(d, e1));
        v128.store(out + a + row + c, v128.and(d, e2));
        v128.store(out + a + row + pixel + c, v128.and(d, e3));
      }
      g += pixel;
    }
  }
}

/**
 * One job of a dense layer's ∂x = dz·Wᵀ from the forward's packed panels W[n/8][k][8]: rows
 * [j·perJob, …) of k for every image. Panel-outer, so each job streams its slice of W once.
 * Args: dz, dzStride (bytes), W, K, Npad, dx, dxStride (bytes), images, perJob.
 */
export function denseDataJob(ctrl: usize, j: i32): void {
  const dz = argPtr(ctrl, DENSE_DATA_DZ);
  const dzStride = <usize>arg(ctrl, DENSE_DATA_DZ_STRIDE);
  const wt = argPtr(ctrl, DENSE_DATA_WT);
  const k = arg(ctrl, DENSE_DATA_K);
  const nPad = arg(ctrl, DENSE_DATA_N_PAD);
  const dx = argPtr(ctrl, DENSE_DATA_DX);
  const dxStride = <usize>arg(ctrl, DENSE_DATA_DX_STRIDE);
  const images = arg(ctrl, DENSE_DATA_IMAGES);
  const perJob = arg(ctrl, DENSE_DATA_PER_JOB);
  const i0 = j * perJob;
  const i1 = min(k, i0 + perJob);
  for (let b = 0; b < images; b++) memory.fill(dx + (<usize>b) * dxStride + ((<usize>i0) << 2), 0, (<usize>(i1 - i0)) << 2);
  for (let p = 0; p < nPad; p += 8) {
    const panel = wt + (<usize>p) * (<usize>k) * 4;
    for (let b = 0; b < images; b++) {
      const d0 = v128.load(dz + (<usize>b) * dzStride + ((<usize>p) << 2));
      const d1 = v128.load(dz + (<usize>b) * dzStride + ((<usize>p) << 2), 16);
      const row = dx + (<usize>b) * dxStride;
      for (let i = i0; i < i1; i++) {
        const wi = panel + ((<usize>i) << 5);
        const s = f32x4.add(f32x4.mul(v128.load(wi), d0), f32x4.mul(v128.load(wi, 16), d1));
        const sum = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
        const at = row + ((<usize>i) << 2);
        store<f32>(at, load<f32>(at) + sum);
      }
    }
  }
}

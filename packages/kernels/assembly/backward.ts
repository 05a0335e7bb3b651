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
  RELU_BACKWARD_PACKED,
  RELU_BACKWARD_PER_JOB,
  RELU_BACKWARD_Y,
  RELU_MASK_FLOATS,
  RELU_MASK_MASK,
  RELU_MASK_PER_JOB,
  RELU_MASK_Y,
} from './abi.generated';
import { arg, argPtr, min } from './common';

// The reverse-pass kernels (src/simd/backward-ops.ts drives them). The conv ∂x is the forward's
// Winograd ops with a linear output (relu 0, no bias); these are the parts that differ: the ReLU
// mask, max-pool routing, dense ∂x.

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
  const packed = arg(ctrl, RELU_BACKWARD_PACKED) != 0;
  const i0 = j * perJob;
  const i1 = min(floats, i0 + perJob);
  const zero = f32x4.splat(0);
  const lanes = i32x4(1, 2, 4, 8);
  for (let i = i0; i < i1; i += 4) {
    const at = (<usize>i) << 2;
    const g = v128.load(dy + at);
    let keep: v128;
    if (packed) {
      // Float i's bit is bit (i & 7) of byte i >> 3: this group of 4 is one nibble.
      const nibble = (<i32>load<u8>(y + ((<usize>i) >> 3)) >> (i & 4)) & 15;
      keep = i32x4.ne(v128.and(i32x4.splat(nibble), lanes), i32x4.splat(0));
    } else keep = f32x4.gt(v128.load(y + at), zero);
    if (guided) keep = v128.and(keep, f32x4.gt(g, zero));
    v128.store(out + at, v128.and(g, keep));
  }
}

/**
 * One job of packing a ReLU output to its mask: bit (i & 7) of byte i >> 3 is y[i] > 0 — all the
 * reverse pass needs of a ReLU output no pool reads (1/32 of the floats).
 * Args: y, mask, floats (a multiple of 8), perJob (floats, a multiple of 8).
 */
export function reluMaskJob(ctrl: usize, j: i32): void {
  const y = argPtr(ctrl, RELU_MASK_Y);
  const mask = argPtr(ctrl, RELU_MASK_MASK);
  const floats = arg(ctrl, RELU_MASK_FLOATS);
  const perJob = arg(ctrl, RELU_MASK_PER_JOB);
  const i0 = j * perJob;
  const i1 = min(floats, i0 + perJob);
  const zero = f32x4.splat(0);
  for (let i = i0; i < i1; i += 8) {
    const at = y + ((<usize>i) << 2);
    const lo = i32x4.bitmask(f32x4.gt(v128.load(at), zero));
    const hi = i32x4.bitmask(f32x4.gt(v128.load(at, 16), zero));
    store<u8>(mask + ((<usize>i) >> 3), <u8>(lo | (hi << 4)));
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

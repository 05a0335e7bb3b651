import {
  IM2COL_C,
  IM2COL_CP,
  IM2COL_DST,
  IM2COL_FIRST,
  IM2COL_H,
  IM2COL_PER_JOB,
  IM2COL_PIXELS,
  IM2COL_ROWS,
  IM2COL_SRC,
  IM2COL_W,
} from './abi.generated';
import { arg, argPtr, min } from './common';

/**
 * One job of im2col for a 3×3 'same' convolution over a chunk of one image: rows [j·perJob, …)
 * of the chunk are pixels first + row, each 9·C floats in HWI order (dy, dx, c), zero outside the
 * map; rows past the image's last pixel (GEMM padding) are zero. One bulk copy per tap (one vector
 * per tap for ≤ 4 channels, im2colNarrow): it only serves layers with few input channels
 * (block1_conv1 has 3) and the reverse pass's ∂x of small deep maps.
 * Args (IM2COL_*): src, h, w, cp (stored channels), c (real), dst, pixels (of the image), first
 * (pixel of row 0), rows (of the chunk, a multiple of MR), perJob.
 */
export function im2colJob(ctrl: usize, j: i32): void {
  const src = argPtr(ctrl, IM2COL_SRC);
  const h = arg(ctrl, IM2COL_H);
  const w = arg(ctrl, IM2COL_W);
  const cp = arg(ctrl, IM2COL_CP);
  const c = arg(ctrl, IM2COL_C);
  const dst = argPtr(ctrl, IM2COL_DST);
  const pixels = arg(ctrl, IM2COL_PIXELS);
  const first = arg(ctrl, IM2COL_FIRST);
  const perJob = arg(ctrl, IM2COL_PER_JOB);
  const k = 9 * c;
  const r0 = j * perJob;
  const r1 = min(arg(ctrl, IM2COL_ROWS), r0 + perJob);
  if (c <= 4 && cp >= 4) {
    im2colNarrow(src, h, w, cp, c, dst, pixels, first, r0, r1);
    return;
  }
  for (let r = r0; r < r1; r++) {
    let o = dst + ((<usize>r) * (<usize>k) << 2);
    const p = first + r;
    if (p >= pixels) {
      memory.fill(o, 0, (<usize>k) << 2);
      continue;
    }
    const y = p / w;
    const x = p % w;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const yy = y + dy;
        const xx = x + dx;
        if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
          memory.copy(o, src + (((<usize>yy) * (<usize>w) + (<usize>xx)) * (<usize>cp) << 2), (<usize>c) << 2);
        } else {
          memory.fill(o, 0, (<usize>c) << 2);
        }
        o += (<usize>c) << 2;
      }
    }
  }
}

/**
 * im2col rows [r0, r1) for at most 4 real channels (block1_conv1: 3) stored in ≥ 4: one vector
 * load and store per tap instead of a bulk-memory call of 12 bytes (4.8 of block1_conv1's 10.4 ms).
 * A tap's 4th lane lands on the next tap's first float, which that tap then writes; the last tap
 * of a row stores its c floats one by one, so nothing is written past the row.
 */
function im2colNarrow(
  src: usize, h: i32, w: i32, cp: i32, c: i32, dst: usize, pixels: i32, first: i32, r0: i32, r1: i32,
): void {
  const k = 9 * c;
  const tapBytes = (<usize>c) << 2;
  const zero = f32x4.splat(0);
  for (let r = r0; r < r1; r++) {
    let o = dst + ((<usize>r) * (<usize>k) << 2);
    const p = first + r;
    if (p >= pixels) {
      memory.fill(o, 0, (<usize>k) << 2);
      continue;
    }
    const y = p / w;
    const x = p % w;
    for (let t = 0; t < 9; t++) {
      const yy = y + t / 3 - 1;
      const xx = x + t % 3 - 1;
      const v = yy >= 0 && yy < h && xx >= 0 && xx < w
        ? v128.load(src + (((<usize>yy) * (<usize>w) + (<usize>xx)) * (<usize>cp) << 2))
        : zero;
      if (t < 8) v128.store(o, v);
      else {
        store<f32>(o, f32x4.extract_lane(v, 0));
        if (c > 1) store<f32>(o, f32x4.extract_lane(v, 1), 4);
        if (c > 2) store<f32>(o, f32x4.extract_lane(v, 2), 8);
        if (c > 3) store<f32>(o, f32x4.extract_lane(v, 3), 12);
      }
      o += tapBytes;
    }
  }
}

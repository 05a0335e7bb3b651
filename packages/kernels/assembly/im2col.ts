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
 * map; rows past the image's last pixel (GEMM padding) are zero. Scalar: it only serves layers
 * with few input channels (block1_conv1 has 3) and, by choice, small deep maps.
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

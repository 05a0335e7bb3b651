import { arg, argPtr, min } from './common';

/**
 * One job of im2col for a 3×3 'same' convolution: pixels [j·perJob, …) of one image → rows of
 * 9·C floats in HWI order (dy, dx, c), zero outside the map; rows from `pixels` to `paddedRows`
 * are zero. Scalar: it only serves layers with few input channels (block1_conv1 has 3).
 * Args: src, H, W, Cp(in), C(real), dst, pixels, paddedRows, perJob.
 */
export function im2colJob(ctrl: usize, j: i32): void {
  const src = argPtr(ctrl, 0);
  const h = arg(ctrl, 1);
  const w = arg(ctrl, 2);
  const cp = arg(ctrl, 3);
  const c = arg(ctrl, 4);
  const dst = argPtr(ctrl, 5);
  const pixels = arg(ctrl, 6);
  const padded = arg(ctrl, 7);
  const perJob = arg(ctrl, 8);
  const k = 9 * c;
  const p0 = j * perJob;
  const p1 = min(padded, p0 + perJob);
  for (let p = p0; p < p1; p++) {
    let o = dst + ((<usize>p) * (<usize>k) << 2);
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

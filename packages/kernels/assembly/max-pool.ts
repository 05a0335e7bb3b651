import { MAX_POOL_CP, MAX_POOL_DST, MAX_POOL_H, MAX_POOL_PER_JOB, MAX_POOL_SRC, MAX_POOL_W } from './abi.generated';
import { arg, argPtr, min } from './common';

/**
 * One job of a 2×2 stride-2 'valid' max pool: output rows [j·perJob, …) of one image.
 * Args (MAX_POOL_*): src, h, w, cp, dst, perJob.
 */
export function maxPoolJob(ctrl: usize, j: i32): void {
  const src = argPtr(ctrl, MAX_POOL_SRC);
  const w = arg(ctrl, MAX_POOL_W);
  const cp = arg(ctrl, MAX_POOL_CP);
  const dst = argPtr(ctrl, MAX_POOL_DST);
  const perJob = arg(ctrl, MAX_POOL_PER_JOB);
  const oh = arg(ctrl, MAX_POOL_H) >> 1;
  const ow = w >> 1;
  const pixel = (<usize>cp) << 2;
  const row = (<usize>w) * pixel;
  const y0 = j * perJob;
  const y1 = min(oh, y0 + perJob);
  for (let y = y0; y < y1; y++) {
    let o = dst + (<usize>y) * (<usize>ow) * pixel;
    const top = src + (<usize>(2 * y)) * row;
    for (let x = 0; x < ow; x++) {
      const a = top + (<usize>(2 * x)) * pixel;
      for (let c: usize = 0; c < pixel; c += 16) {
        const m0 = f32x4.max(v128.load(a + c), v128.load(a + pixel + c));
        const m1 = f32x4.max(v128.load(a + row + c), v128.load(a + row + pixel + c));
        v128.store(o + c, f32x4.max(m0, m1));
      }
      o += pixel;
    }
  }
}

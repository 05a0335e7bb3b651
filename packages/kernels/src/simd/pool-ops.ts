import { split, f32, type SimdContext } from './context.js';
import { allocMap, allocVector, type SimdTensor } from './simd-tensor.js';

/** 2×2 stride-2 'valid' max pool on the padded NHWC layout (SIMD over channels, rows split across threads). */
export function maxPool(ctx: SimdContext, x: SimdTensor): SimdTensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const oh = Math.floor(h / 2);
  const out = allocMap(ctx, n, oh, Math.floor(w / 2), c, 'max pool output');
  const [perJob, jobs] = split(oh, ctx.team.threads, 16);
  try {
    for (let b = 0; b < n; b++) {
      ctx.team.run('maxPool', oh > 0 ? jobs : 0, {
        src: x.ptr + b * x.imageBytes,
        h,
        w,
        cp: x.stride,
        dst: out.ptr + b * out.imageBytes,
        perJob,
      });
    }
  } catch (e) {
    ctx.arena.release(out.ptr);
    throw e;
  }
  return out;
}

/** Global average or max over H·W → `[N, C]` (a few thousand floats: plain JavaScript, float64 sums). */
export function globalPool(ctx: SimdContext, x: SimdTensor, mode: 'avg' | 'max'): SimdTensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const out = allocVector(ctx, n, c, x.stride, `global ${mode} pool output`);
  const mem = f32(ctx);
  const acc = new Float64Array(c);
  for (let b = 0; b < n; b++) {
    acc.fill(mode === 'avg' ? 0 : -Infinity);
    const base = (x.ptr + b * x.imageBytes) / 4;
    for (let p = 0; p < h * w; p++) {
      const at = base + p * x.stride;
      for (let ch = 0; ch < c; ch++) {
        const v = mem[at + ch]!;
        acc[ch] = mode === 'avg' ? acc[ch]! + v : Math.max(acc[ch]!, v);
      }
    }
    const o = (out.ptr + b * out.imageBytes) / 4;
    for (let ch = 0; ch < c; ch++) mem[o + ch] = mode === 'avg' ? acc[ch]! / (h * w) : acc[ch]!;
  }
  return out;
}

/** `[N,H,W,C]` → `[N, H·W·C]` in Keras' channels-last order: drops the channel padding. */
export function flatten(ctx: SimdContext, x: SimdTensor): SimdTensor {
  if (x.shape.length !== 4) return copyVector(ctx, x); // already [N, F]
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const f = h * w * c;
  const out = allocVector(ctx, n, f, f, 'flatten output');
  const mem = f32(ctx);
  for (let b = 0; b < n; b++) {
    const src = (x.ptr + b * x.imageBytes) / 4;
    const dst = (out.ptr + b * out.imageBytes) / 4;
    for (let p = 0; p < h * w; p++) mem.copyWithin(dst + p * c, src + p * x.stride, src + p * x.stride + c);
  }
  return out;
}

function copyVector(ctx: SimdContext, x: SimdTensor): SimdTensor {
  const out = allocVector(ctx, x.shape[0]!, x.shape[1]!, x.stride, 'flatten output');
  const mem = f32(ctx);
  mem.copyWithin(out.ptr / 4, x.ptr / 4, (x.ptr + x.shape[0]! * x.imageBytes) / 4);
  return out;
}

import { MR, roundUp } from './control-block.js';
import { f32, type SimdContext } from './context.js';
import { sizeOf } from '@vggscope/core';

/**
 * An activation in the wasm memory. Maps are NHWC with the channels padded with zeros to a
 * multiple of 8 (`stride`), each image followed by slack rows so a GEMM may write whole register
 * tiles; vectors are `[roundUp(N, 4)][stride]` rows, the padding rows zero.
 */
export interface SimdTensor {
  readonly ptr: number;
  /** Logical shape: `[N, H, W, C]` or `[N, F]`. */
  readonly shape: readonly number[];
  /** Stored channels (maps) or features (vectors) per pixel or row. */
  readonly stride: number;
  /** Bytes from one image (or row) to the next. */
  readonly imageBytes: number;
  /**
   * A ReLU mask (backward-ops.ts `mask`): `ptr` holds 1 bit per float of the layout above (bit
   * i & 7 of byte i >> 3: y[i] > 0), not the floats. Only the ReLU backward reads it.
   */
  readonly bits?: true;
}

export function isMap(x: SimdTensor): boolean {
  return x.shape.length === 4;
}

export function allocMap(ctx: SimdContext, n: number, h: number, w: number, c: number, what: string): SimdTensor {
  const stride = roundUp(c, 8);
  const imageBytes = roundUp(h * w, MR) * stride * 4 || 64;
  const ptr = ctx.arena.alloc(n * imageBytes, what);
  return { ptr, shape: [n, h, w, c], stride, imageBytes };
}

/** A zero-filled `[N, F]` vector batch (padding rows and columns must read as zeros). */
export function allocVector(ctx: SimdContext, n: number, f: number, stride: number, what: string): SimdTensor {
  const imageBytes = stride * 4;
  const ptr = ctx.arena.alloc(roundUp(n, MR) * imageBytes, what);
  f32(ctx).fill(0, ptr / 4, (ptr + roundUp(n, MR) * imageBytes) / 4);
  return { ptr, shape: [n, f], stride, imageBytes };
}

/**
 * Copies a compact NHWC (or `[N, F]`) array into the padded layout: one copy per image when no
 * channel padding, else an element loop (a `subarray` per pixel cost ~0.1 µs each: 5 ms of a
 * 224² image's 3-channel input, ~2 % of a pass on two threads).
 */
export function writeCompact(ctx: SimdContext, x: SimdTensor, data: Float32Array): void {
  const mem = f32(ctx);
  const c = x.shape[x.shape.length - 1]!;
  const stride = x.stride;
  const perImage = isMap(x) ? x.shape[1]! * x.shape[2]! : 1;
  const images = data.length / (c * perImage);
  for (let b = 0; b < images; b++) {
    const src = b * perImage * c;
    const dst = (x.ptr + b * x.imageBytes) / 4;
    if (stride === c) {
      mem.set(data.subarray(src, src + perImage * c), dst);
      continue;
    }
    for (let p = 0; p < perImage; p++) {
      const at = dst + p * stride;
      const from = src + p * c;
      for (let ch = 0; ch < c; ch++) mem[at + ch] = data[from + ch]!;
      for (let ch = c; ch < stride; ch++) mem[at + ch] = 0;
    }
  }
}

/** Copies the padded layout out as a compact NHWC (or `[N, F]`) array. */
export function readCompact(ctx: SimdContext, x: SimdTensor): Float32Array {
  const mem = f32(ctx);
  const c = x.shape[x.shape.length - 1]!;
  const stride = x.stride;
  const total = sizeOf(x.shape);
  const out = new Float32Array(total);
  const perImage = isMap(x) ? x.shape[1]! * x.shape[2]! : 1;
  const images = total / (c * perImage);
  for (let b = 0; b < images; b++) {
    const dst = b * perImage * c;
    const src = (x.ptr + b * x.imageBytes) / 4;
    if (stride === c) {
      out.set(mem.subarray(src, src + perImage * c), dst);
      continue;
    }
    for (let p = 0; p < perImage; p++) {
      const at = src + p * stride;
      const to = dst + p * c;
      for (let ch = 0; ch < c; ch++) out[to + ch] = mem[at + ch]!;
    }
  }
  return out;
}

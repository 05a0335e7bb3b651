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

/** Copies a compact NHWC (or `[N, F]`) array into the padded layout. */
export function writeCompact(ctx: SimdContext, x: SimdTensor, data: Float32Array): void {
  const mem = f32(ctx);
  const c = x.shape[x.shape.length - 1]!;
  const pixels = data.length / c;
  const perImage = isMap(x) ? x.shape[1]! * x.shape[2]! : 1;
  for (let p = 0; p < pixels; p++) {
    const image = Math.floor(p / perImage);
    const at = (x.ptr + image * x.imageBytes) / 4 + (p % perImage) * x.stride;
    mem.set(data.subarray(p * c, p * c + c), at);
    if (x.stride > c) mem.fill(0, at + c, at + x.stride);
  }
}

/** Copies the padded layout out as a compact NHWC (or `[N, F]`) array. */
export function readCompact(ctx: SimdContext, x: SimdTensor): Float32Array {
  const mem = f32(ctx);
  const c = x.shape[x.shape.length - 1]!;
  const total = sizeOf(x.shape);
  const out = new Float32Array(total);
  const perImage = isMap(x) ? x.shape[1]! * x.shape[2]! : 1;
  for (let p = 0; p < total / c; p++) {
    const image = Math.floor(p / perImage);
    const at = (x.ptr + image * x.imageBytes) / 4 + (p % perImage) * x.stride;
    out.set(mem.subarray(at, at + c), p * c);
  }
  return out;
}

import { type BackwardOps, type ReluBackwardMode, VggError } from '@vggscope/core';
import { MR, roundUp } from './control-block.js';
import { f32, split, type SimdContext } from './context.js';
import { prepareBackwardData } from './backward-weights.js';
import { convIm2col } from './conv-im2col.js';
import { convWinograd } from './conv-winograd.js';
import { disposeLayer, type SimdLayer } from './prepared-layer.js';
import { allocMap, allocVector, isMap, type SimdTensor } from './simd-tensor.js';

/** Conv ∂x scratch per chunk (Winograd V + M or the im2col matrix); the forward's is 32 MiB. */
const REVERSE_CHUNK_BYTES = 8 << 20;

/**
 * The simd backend's reverse pass: conv ∂x through the forward's conv paths (convWinograd or
 * convIm2col with a linear output: fused tile blocks or phased chunks, scratch bounded as in the
 * forward) with a second prepared form (made on first use, in the form backward-weights.ts picks); ReLU masks, max-pool routing
 * and dense ∂x in wasm SIMD on the thread team; the small global-pool and flatten steps in
 * JavaScript.
 */
export class SimdBackward implements BackwardOps<SimdTensor, SimdLayer> {
  private readonly dataForms = new Map<SimdLayer, SimdLayer>();
  /** The reverse pass holds every kept activation as well: its conv scratch gets smaller chunks. */
  private readonly reverseCtx: SimdContext;
  /** The ∂x kernels' JavaScript staging, one array for all the layers a gradient prepares. */
  private kernelScratch: Float32Array | undefined;

  constructor(private readonly ctx: SimdContext) {
    this.reverseCtx = { ...ctx, chunkBytes: Math.min(ctx.chunkBytes, REVERSE_CHUNK_BYTES) };
  }

  relu(dy: SimdTensor, y: SimdTensor, mode: ReluBackwardMode): SimdTensor {
    if (dy.imageBytes !== y.imageBytes || dy.stride !== y.stride || dy.shape.join() !== y.shape.join()) {
      throw new VggError('E_INTERNAL', `simd backward: ReLU gradient [${dy.shape}] does not match [${y.shape}]`);
    }
    const n = y.shape[0]!;
    const out = isMap(y)
      ? allocMap(this.ctx, n, y.shape[1]!, y.shape[2]!, y.shape[3]!, 'ReLU gradient')
      : allocVector(this.ctx, n, y.shape[1]!, y.stride, 'ReLU gradient');
    const floats = storedFloats(y);
    const [perJob, jobs] = split(floats / 8, this.ctx.team.threads, 8192);
    this.run(out, () =>
      this.ctx.team.run('reluBackward', jobs, {
        dy: dy.ptr,
        y: y.ptr,
        out: out.ptr,
        floats,
        perJob: perJob * 8,
        guided: mode === 'guided' ? 1 : 0,
        packed: y.bits ? 1 : 0,
      }),
    );
    return out;
  }

  /** A ReLU output packed to its mask, 1 bit a float: what `relu` needs of an output no pool reads. */
  mask(y: SimdTensor): SimdTensor {
    const floats = storedFloats(y);
    const mask = { ...y, ptr: this.ctx.arena.alloc(floats / 8, 'ReLU mask'), bits: true as const };
    const [perJob, jobs] = split(floats / 8, this.ctx.team.threads, 8192);
    this.run(mask, () => this.ctx.team.run('reluMask', jobs, { y: y.ptr, mask: mask.ptr, floats, perJob: perJob * 8 }));
    return mask;
  }

  /** Makes a conv's ∂x form ahead of the pass (dense ∂x reads the forward's panels: nothing to make). */
  prepare(layer: SimdLayer): void {
    if (layer.kind === 'conv') this.dataForm(layer);
  }

  conv2dData(dz: SimdTensor, layer: SimdLayer): SimdTensor {
    const back = this.dataForm(layer);
    this.kernelScratch = undefined; // the forms are made (prepare): the pass has begun
    const [n, h, w, c] = dz.shape as [number, number, number, number];
    if (c !== layer.outputs || dz.stride !== back.inStride) {
      throw new VggError(
        'E_INTERNAL',
        `simd backward: ${layer.name} ∂x expects [N, H, W, ${layer.outputs}], got [${dz.shape}]`,
      );
    }
    const out = allocMap(this.ctx, n, h, w, layer.inputs, `${layer.name} ∂x`);
    const conv = back.algorithm === 'im2col' ? convIm2col : convWinograd;
    this.run(out, () => conv(this.reverseCtx, dz, back, out, 'linear'));
    return out;
  }

  maxPool2x2(dy: SimdTensor, x: SimdTensor): SimdTensor {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const out = allocMap(this.ctx, n, h, w, c, 'max pool gradient');
    // Rows and columns the pool dropped get no gradient.
    f32(this.ctx).fill(0, out.ptr / 4, (out.ptr + n * out.imageBytes) / 4);
    const oh = h >> 1;
    const [perJob, jobs] = split(oh, this.ctx.team.threads, 16);
    this.run(out, () => {
      for (let b = 0; b < n; b++) {
        this.ctx.team.run('maxPoolBackward', oh > 0 && w > 1 ? jobs : 0, {
          x: x.ptr + b * x.imageBytes,
          dy: dy.ptr + b * dy.imageBytes,
          out: out.ptr + b * out.imageBytes,
          h,
          w,
          cp: x.stride,
          perJob,
        });
      }
    });
    return out;
  }

  globalPool(dy: SimdTensor, x: SimdTensor, mode: 'avg' | 'max'): SimdTensor {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const out = allocMap(this.ctx, n, h, w, c, `global ${mode} pool gradient`);
    const mem = f32(this.ctx);
    mem.fill(0, out.ptr / 4, (out.ptr + n * out.imageBytes) / 4);
    for (let b = 0; b < n; b++) {
      const g = (dy.ptr + b * dy.imageBytes) / 4;
      const src = (x.ptr + b * x.imageBytes) / 4;
      const dst = (out.ptr + b * out.imageBytes) / 4;
      for (let ch = 0; ch < c; ch++) {
        if (mode === 'avg') {
          for (let p = 0; p < h * w; p++) mem[dst + p * out.stride + ch] = mem[g + ch]! / (h * w);
          continue;
        }
        let best = 0;
        for (let p = 1; p < h * w; p++) if (mem[src + p * x.stride + ch]! > mem[src + best * x.stride + ch]!) best = p;
        mem[dst + best * out.stride + ch] = mem[g + ch]!;
      }
    }
    return out;
  }

  unflatten(dy: SimdTensor, shape: readonly [number, number, number, number]): SimdTensor {
    const [n, h, w, c] = shape;
    const out = allocMap(this.ctx, n, h, w, c, 'flatten gradient');
    const mem = f32(this.ctx);
    for (let b = 0; b < n; b++) {
      const src = (dy.ptr + b * dy.imageBytes) / 4;
      const dst = (out.ptr + b * out.imageBytes) / 4;
      for (let p = 0; p < h * w; p++) {
        mem.copyWithin(dst + p * out.stride, src + p * c, src + p * c + c);
        mem.fill(0, dst + p * out.stride + c, dst + (p + 1) * out.stride);
      }
    }
    return out;
  }

  dense(dz: SimdTensor, layer: SimdLayer): SimdTensor {
    const n = dz.shape[0]!;
    if (dz.shape[1] !== layer.outputs || dz.stride !== layer.outStride) {
      throw new VggError(
        'E_INTERNAL',
        `simd backward: ${layer.name} ∂x expects [N, ${layer.outputs}], got [${dz.shape}]`,
      );
    }
    const dx = allocVector(this.ctx, n, layer.inputs, roundUp(layer.inputs, 8), `${layer.name} ∂x`);
    const [perJob, jobs] = split(layer.inputs, this.ctx.team.threads, 1024);
    this.run(dx, () =>
      this.ctx.team.run('denseData', jobs, {
        dz: dz.ptr,
        dzStride: dz.imageBytes,
        wt: layer.weights,
        k: layer.inputs,
        nPad: layer.outStride,
        dx: dx.ptr,
        dxStride: dx.imageBytes,
        images: n,
        perJob,
      }),
    );
    return dx;
  }

  private dataForm(layer: SimdLayer): SimdLayer {
    let back = this.dataForms.get(layer);
    if (!back) {
      // The forward form is read here in JavaScript: a weight transform still running on the
      // workers (the backend leaves the last one in the background) must be done first.
      this.ctx.team.flush();
      const floats = 9 * layer.inputs * layer.outputs;
      if (!this.kernelScratch || this.kernelScratch.length < floats) this.kernelScratch = new Float32Array(floats);
      back = prepareBackwardData(this.ctx, layer, this.kernelScratch);
      this.dataForms.set(layer, back);
    }
    return back;
  }

  /** Releases the backward form of a layer the backend disposes. */
  disposeLayer(layer: SimdLayer): void {
    const back = this.dataForms.get(layer);
    if (back) disposeLayer(this.ctx, back);
    this.dataForms.delete(layer);
  }

  private run(out: SimdTensor, op: () => void): void {
    try {
      op();
    } catch (e) {
      this.ctx.arena.release(out.ptr);
      throw e;
    }
  }
}

/** Floats of a tensor's whole stored layout (a multiple of 8: channels are padded to 8). */
function storedFloats(y: SimdTensor): number {
  return (isMap(y) ? y.shape[0]! : roundUp(y.shape[0]!, MR)) * (y.imageBytes / 4);
}

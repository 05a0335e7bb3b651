import { type GraphLayer, type LayerWeights, VggError, sizeOf } from '@vggscope/core';
import { roundUp } from './control-block.js';
import { f32, type SimdContext } from './context.js';
import { packPanels } from './pack-panels.js';

export type ConvAlgorithm = 'winograd' | 'im2col';

/** A layer's weights in the wasm memory, transformed and packed once. */
export interface SimdLayer {
  readonly name: string;
  readonly kind: 'conv' | 'dense';
  readonly algorithm: ConvAlgorithm | 'gemm';
  /** Packed kernel (Winograd U, or panels of the flattened kernel). */
  readonly weights: number;
  /** Bias padded with zeros to `outStride` floats. */
  readonly bias: number;
  readonly inputs: number;
  readonly outputs: number;
  /** Input channels the packed kernel expects per pixel (Winograd: the activation stride). */
  readonly inStride: number;
  readonly outStride: number;
}

/** Winograd pays where the GEMM has enough input channels; block1_conv1 (3) goes through im2col. */
export function chooseAlgorithm(cin: number): ConvAlgorithm {
  return cin >= 8 ? 'winograd' : 'im2col';
}

export function prepareLayer(ctx: SimdContext, layer: GraphLayer, w: LayerWeights, force?: ConvAlgorithm): SimdLayer {
  const kind = layer.spec.kind;
  if (kind !== 'conv' && kind !== 'dense') {
    throw new VggError(
      'E_USAGE',
      `simd backend: prepareLayer: '${layer.name}' is a ${kind} layer, which has no weights`,
    );
  }
  const ks = w.kernel.shape;
  const inputs = kind === 'conv' ? ks[2]! : ks[0]!;
  const outputs = ks[ks.length - 1]!;
  const want =
    kind === 'conv' ? [3, 3, layer.inputShape[2], layer.outputShape[2]] : [layer.inputShape[0], layer.outputShape[0]];
  if (
    ks.length !== want.length ||
    ks.some((d, i) => d !== want[i]) ||
    w.bias.shape[0] !== outputs ||
    w.kernel.data.length !== sizeOf(ks)
  ) {
    throw new VggError(
      'E_WEIGHTS_SHAPE',
      `simd backend: prepareLayer: '${layer.name}' needs kernel [${want.join(', ')}] and bias [${want.at(-1)}], ` +
        `got kernel [${ks.join(', ')}] and bias [${w.bias.shape.join(', ')}]`,
    );
  }
  const outStride = roundUp(outputs, 8);
  const bias = ctx.arena.alloc(outStride * 4, `${layer.name} bias`);
  let weights = 0;
  try {
    if (kind === 'dense') {
      weights = ctx.arena.alloc(inputs * outStride * 4, `${layer.name} kernel`);
      packPanels(w.kernel.data, inputs, outputs, outStride, f32(ctx).subarray(weights / 4));
      writeBias(ctx, bias, w.bias.data, outStride);
      return { name: layer.name, kind, algorithm: 'gemm', weights, bias, inputs, outputs, inStride: inputs, outStride };
    }
    const algorithm = force ?? chooseAlgorithm(inputs);
    const inStride = roundUp(inputs, 8);
    if (algorithm === 'winograd') {
      weights = ctx.arena.alloc(36 * inStride * outStride * 4, `${layer.name} Winograd kernel`);
      transformWinogradWeights(ctx, w.kernel.data, inputs, outputs, inStride, outStride, weights, layer.name);
    } else {
      weights = ctx.arena.alloc(9 * inputs * outStride * 4, `${layer.name} kernel`);
      packPanels(w.kernel.data, 9 * inputs, outputs, outStride, f32(ctx).subarray(weights / 4));
    }
    writeBias(ctx, bias, w.bias.data, outStride);
    return { name: layer.name, kind, algorithm, weights, bias, inputs, outputs, inStride, outStride };
  } catch (e) {
    ctx.arena.release(bias);
    if (weights) ctx.arena.release(weights);
    throw e;
  }
}

export function disposeLayer(ctx: SimdContext, layer: SimdLayer): void {
  ctx.arena.release(layer.weights);
  ctx.arena.release(layer.bias);
}

function writeBias(ctx: SimdContext, ptr: number, bias: Float32Array, stride: number): void {
  const mem = f32(ctx);
  mem.set(bias, ptr / 4);
  mem.fill(0, ptr / 4 + bias.length, ptr / 4 + stride);
}

/**
 * U = G·g·Gᵀ for every (input, output) channel pair, in the kernels on every thread (in plain
 * JavaScript it took ~0.25 s per 512×512 layer, most of a cold start): the HWIO kernel is copied
 * zero-padded to [3][3][kPad][nPad] into a temporary buffer, transformed by input channel.
 */
function transformWinogradWeights(
  ctx: SimdContext,
  kernel: Float32Array,
  cin: number,
  cout: number,
  kPad: number,
  nPad: number,
  dst: number,
  name: string,
): void {
  const src = ctx.arena.alloc(9 * kPad * nPad * 4, `${name} kernel copy`);
  try {
    const mem = f32(ctx);
    const base = src / 4;
    mem.fill(0, base, base + 9 * kPad * nPad);
    for (let tap = 0; tap < 9; tap++) {
      for (let ci = 0; ci < cin; ci++) {
        const from = (tap * cin + ci) * cout;
        mem.set(kernel.subarray(from, from + cout), base + (tap * kPad + ci) * nPad);
      }
    }
    ctx.team.run('winogradWeights', kPad, [src, kPad, nPad, dst]);
  } finally {
    ctx.arena.release(src);
  }
}

import { type GraphLayer, type LayerWeights, VggError, sizeOf } from '@vggscope/core';
import { roundUp } from './control-block.js';
import { f32, type SimdContext } from './context.js';
import { packPanels } from './pack-panels.js';
import type { StagedBlock } from './staging-slots.js';

/**
 * 'winograd': F(4×4,3×3), U 4× the kernel; 'winograd2': F(2×2,3×3), U 16/9 of it; 'winograd6':
 * F(6×6,3×3), U 64/9 of it; 'im2col': the kernel as is.
 */
export type ConvAlgorithm = 'winograd' | 'winograd2' | 'winograd6' | 'im2col';

/** Winograd positions per algorithm ((m + 2)² for F(m×m,3×3)). */
export const WINOGRAD_POSITIONS = { winograd: 36, winograd2: 16, winograd6: 64 } as const;

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

/**
 * The per-layer plan (from tools/bench/src/conv-plan.ts, VGG16 224², see the README): im2col for
 * few input channels (block1_conv1: 3), where Winograd's transforms cost more than they save;
 * F(2×2,3×3) for maps of at most 16 F(4×4) tiles (block5 at 224²: 14×14), where the GEMM is bound
 * by reading U, not by multiplies — its U is 16/9 of the kernel instead of 4× (−60 MiB for VGG16's
 * block5) for ~10 % more time on those layers; F(6×6,3×3) where the kernel is small (at most
 * F6_MAX_CHANNEL_PAIRS: U ≤ 8 MiB, block1_conv2 … block3_conv1, +6.9 MB in all for VGG16) and its
 * 8×8 tiles waste little of the map (at most F6_MAX_MULTIPLY_RATIO of F(4×4)'s multiplies: 0.82
 * at 224² and 112², 0.91 at 56²) — 10–25 % faster there, and its float32 error (about twice
 * F(4×4)'s, ≤ 3.5e-6 on these layers) stays within the budget; F(4×4,3×3) everywhere else (2–3×
 * faster than F(2×2)).
 */
export function chooseAlgorithm(cin: number, h: number, w: number, cout: number): ConvAlgorithm {
  if (cin < 8) return 'im2col';
  const tiles = (m: number) => Math.ceil(h / m) * Math.ceil(w / m);
  if (tiles(4) <= 16) return 'winograd2';
  if (cin * cout <= F6_MAX_CHANNEL_PAIRS && 64 * tiles(6) <= F6_MAX_MULTIPLY_RATIO * 36 * tiles(4)) return 'winograd6';
  return 'winograd';
}

/** Input × output channels up to which F(6×6) may be chosen: U = 64·cin·cout floats ≤ 8 MiB (VGG: up to block3_conv1). */
export const F6_MAX_CHANNEL_PAIRS = 128 * 256;
/** F(6×6) only where its multiplies (64 per 8×8 tile, edges included) are at most this share of F(4×4)'s. */
const F6_MAX_MULTIPLY_RATIO = 0.92;

/** How `prepareLayer` gets and hands back a layer's kernel. */
export interface PrepareOptions {
  /** Force one algorithm (tests, benchmarks). */
  readonly force?: ConvAlgorithm;
  /**
   * The arena block the kernel's data already sits in (a staged read, `w.kernel.data` a view of
   * it): used in place by the Winograd transform when its layout needs no padding, and released
   * by `prepareLayer` in every case (after the transform has read it).
   */
  readonly staged?: StagedBlock;
  /** Leave the Winograd transform running on the team's workers (`Team.post`); the next op waits for it. */
  readonly background?: boolean;
}

/** Whether a conv layer's HWIO kernel, as a file stores it, is the Winograd transform's input as is (no padding). */
export function transformsInPlace(layer: GraphLayer, force?: ConvAlgorithm): boolean {
  if (layer.spec.kind !== 'conv') return false;
  const [h, w, cin] = layer.inputShape as [number, number, number];
  const cout = layer.outputShape[2]!;
  const algorithm = force ?? chooseAlgorithm(cin, h, w, cout);
  return algorithm !== 'im2col' && cin % 8 === 0 && cout % 8 === 0;
}

export function prepareLayer(
  ctx: SimdContext,
  layer: GraphLayer,
  w: LayerWeights,
  options: ConvAlgorithm | PrepareOptions = {},
): SimdLayer {
  const { force, staged, background } = typeof options === 'string' ? { force: options } : options;
  let ownsStaged = staged !== undefined;
  try {
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
        return {
          name: layer.name,
          kind,
          algorithm: 'gemm',
          weights,
          bias,
          inputs,
          outputs,
          inStride: inputs,
          outStride,
        };
      }
      const algorithm = force ?? chooseAlgorithm(inputs, layer.inputShape[0]!, layer.inputShape[1]!, outputs);
      const inStride = roundUp(inputs, 8);
      if (algorithm !== 'im2col') {
        const positions = WINOGRAD_POSITIONS[algorithm];
        weights = ctx.arena.alloc(positions * inStride * outStride * 4, `${layer.name} Winograd kernel`);
        writeBias(ctx, bias, w.bias.data, outStride);
        ownsStaged = false; // the transform releases it
        transformWinogradWeights(
          ctx,
          w.kernel.data,
          { cin: inputs, cout: outputs, kPad: inStride, nPad: outStride },
          {
            dst: weights,
            name: layer.name,
            algorithm,
            staged,
            background: background === true,
          },
        );
      } else {
        weights = ctx.arena.alloc(9 * inputs * outStride * 4, `${layer.name} kernel`);
        packPanels(w.kernel.data, 9 * inputs, outputs, outStride, f32(ctx).subarray(weights / 4));
        writeBias(ctx, bias, w.bias.data, outStride);
      }
      return { name: layer.name, kind, algorithm, weights, bias, inputs, outputs, inStride, outStride };
    } catch (e) {
      ctx.arena.release(bias);
      if (weights) ctx.arena.release(weights);
      throw e;
    }
  } finally {
    if (ownsStaged) staged!.release();
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
 * JavaScript it took ~0.25 s per 512×512 layer, most of a cold start): the HWIO kernel, zero-padded
 * to [3][3][kPad][nPad], is transformed by blocks of input channels. A staged kernel that needs no
 * padding is transformed where the reader put it; any other is copied into a temporary block first.
 * `background`: the transform is left to the workers (the caller reads the next layer meanwhile).
 */
function transformWinogradWeights(
  ctx: SimdContext,
  kernel: Float32Array,
  dims: { cin: number; cout: number; kPad: number; nPad: number },
  how: {
    dst: number;
    name: string;
    algorithm: 'winograd' | 'winograd2' | 'winograd6';
    staged: StagedBlock | undefined;
    background: boolean;
  },
): void {
  const { cin, cout, kPad, nPad } = dims;
  const { staged } = how;
  const inPlace = staged !== undefined && kPad === cin && nPad === cout;
  let src = inPlace ? staged.ptr : 0;
  const release = () => {
    if (inPlace) staged.release();
    else {
      if (src) ctx.arena.release(src);
      staged?.release();
    }
  };
  try {
    if (!inPlace) {
      src = ctx.arena.alloc(9 * kPad * nPad * 4, `${how.name} kernel copy`);
      const mem = f32(ctx);
      const base = src / 4;
      if (kPad !== cin || nPad !== cout) mem.fill(0, base, base + 9 * kPad * nPad); // else every float is written below
      for (let tap = 0; tap < 9; tap++) {
        for (let ci = 0; ci < cin; ci++) {
          const from = (tap * cin + ci) * cout;
          mem.set(kernel.subarray(from, from + cout), base + (tap * kPad + ci) * nPad);
        }
      }
    }
    // Blocks of 8 input channels per job: a job's stores fill whole cache lines of U (one channel per
    // job left adjacent threads writing halves of the same lines: 3–4× slower, most of a cold start).
    const perJob = 8;
    const op = ({ winograd: 'winogradWeights', winograd2: 'winograd2Weights', winograd6: 'winograd6Weights' } as const)[
      how.algorithm
    ];
    const args = { src, kPad, nPad, dst: how.dst, perJob };
    if (how.background) ctx.team.post(op, Math.ceil(kPad / perJob), args, release);
    else {
      ctx.team.run(op, Math.ceil(kPad / perJob), args);
      release();
    }
  } catch (e) {
    release();
    throw e;
  }
}

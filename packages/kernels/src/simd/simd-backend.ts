import { platform } from '@vggscope/platform';
import {
  type Backend,
  type BackendOptions,
  type DenseActivation,
  type FloatTensor,
  type GraphLayer,
  type LayerWeights,
  type VggGraph,
  VggError,
  type WeightStaging,
} from '@vggscope/core';
import { Arena } from './arena.js';
import { SimdBackward } from './backward-ops.js';
import { ARENA_BASE, MAX_PAGES, WASM_PAGE } from './control-block.js';
import type { SimdContext } from './context.js';
import { convIm2col } from './conv-im2col.js';
import { convWinograd } from './conv-winograd.js';
import { dense } from './dense.js';
import { planBytes } from './plan-memory.js';
import { flatten, globalPool, maxPool } from './pool-ops.js';
import { disposeLayer, prepareLayer, transformsInPlace, type ConvAlgorithm, type SimdLayer } from './prepared-layer.js';
import { allocMap, allocVector, isMap, readCompact, writeCompact, type SimdTensor } from './simd-tensor.js';
import { roundUp } from './control-block.js';
import { type StagedBlock, StagingSlots } from './staging-slots.js';
import { Team } from './team.js';
import { warmUp } from './warm-up.js';
import { type KernelArithmetic, compileKernels, kernelMemory } from './wasm-module.js';

export interface SimdBackendOptions extends BackendOptions {
  /** Threads one pass runs on (default: the platform's cores; one where there is no shared memory); a pool worker passes 1. */
  readonly threads?: number;
  /**
   * The GEMM's multiply-add (see `KernelArithmetic`): `true` the hardware-fused relaxed-SIMD build (fails
   * without one), `'emulated'` the fused results computed in float64, `false` mul+add; default: fused in
   * hardware where the engine has it, else emulated (the same bytes as Node's, slower; said once).
   */
  readonly fma?: boolean | 'emulated';
  /**
   * Force one convolution algorithm for every layer, or per layer by name (layers not named keep
   * the plan's choice), for tests and benchmarks; default: chosen per layer (`chooseAlgorithm`).
   */
  readonly convAlgorithm?: ConvAlgorithm | Readonly<Record<string, ConvAlgorithm>>;
  /** Winograd tile-block fusion (tests, benchmarks); default 'auto': early layers, where U is small. */
  readonly winogradFusion?: 'auto' | 'always' | 'never';
  /** Upper bound of the shared wasm memory, reserved (not committed) up front; default and maximum 4096 MiB. */
  readonly maxMemoryMiB?: number;
  /** A conv's scratch per chunk of tiles or pixels, in bytes (tests; default 32 MiB). */
  readonly chunkBytes?: number;
}

/** V and M of 32 MiB hold a whole 224² image's tiles for every VGG layer (block3 at batch 8: four chunks). */
const DEFAULT_CHUNK_BYTES = 32 * 2 ** 20;

export interface SimdBackend extends Backend<SimdTensor, SimdLayer> {
  /** True when results are those of a fused multiply-add (`arithmetic` is 'fma' or 'fma-emulated'). */
  readonly fma: boolean;
  /** Which kernel build runs. */
  readonly arithmetic: KernelArithmetic;
  readonly backward: SimdBackward;
}

/**
 * Our own WebAssembly SIMD kernels: Winograd F(6×6), F(4×4) or F(2×2) convolutions, chosen per
 * layer (im2col for few input channels), NHWC with channels in SIMD lanes, one image split across a persistent thread team.
 * @example const b = await createSimdBackend({ threads: 2 }); // b.threads === 2, b.fma === true on x86 Node ≥ 20
 */
export async function createSimdBackend(options: SimdBackendOptions = {}): Promise<SimdBackend> {
  const threads = options.threads ?? platform.cores();
  const maxMiB = options.maxMemoryMiB ?? MAX_PAGES / 16;
  const minMiB = Math.ceil(ARENA_BASE / 2 ** 20) + 8;
  if (!(maxMiB >= minMiB && maxMiB <= MAX_PAGES / 16)) {
    throw new VggError(
      'E_USAGE',
      `simd backend: maxMemoryMiB must be from ${minMiB} to ${MAX_PAGES / 16}, got ${maxMiB}`,
    );
  }
  const maximum = Math.floor(maxMiB * 16);
  const { module, arithmetic, shared } = await compileKernels(options.fma);
  const memory = kernelMemory(ARENA_BASE / WASM_PAGE, maximum, shared);
  const team = await Team.start(module, memory, threads);
  const ctx: SimdContext = {
    memory,
    arena: new Arena(memory, maximum * WASM_PAGE, () => team.flush()),
    team,
    fusion: options.winogradFusion ?? 'auto',
    chunkBytes: options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
  };
  try {
    warmUp(ctx);
  } catch (e) {
    await team.close();
    throw e;
  }
  return new SimdBackendImpl(ctx, arithmetic, options.convAlgorithm);
}

class SimdBackendImpl implements SimdBackend {
  readonly name = 'simd';
  private closed = false;
  /** The reverse pass (vgg.gradient); its conv forms are made on first use. */
  readonly backward: SimdBackward;
  /** Kernels the weights reader was given arena blocks for, until `prepareLayer` takes them over. */
  private readonly staged = new Map<Float32Array, StagedBlock>();
  private readonly slots: StagingSlots;
  /**
   * A conv kernel the Winograd transform can take as the file stores it is read straight into the
   * arena (no JavaScript buffer to allocate and copy from); anything else the reader allocates.
   */
  readonly weightStaging: WeightStaging = {
    kernel: (layer, length) => {
      this.check();
      this.dropStaged(); // left by a read that failed
      if (
        !transformsInPlace(layer, this.forced(layer.name)) ||
        length !== 9 * layer.inputShape[2]! * layer.outputShape[2]!
      )
        return undefined;
      const block = this.slots.take(length * 4, `${layer.name} kernel (staged)`);
      const view = new Float32Array(this.ctx.memory.buffer, block.ptr, length);
      this.staged.set(view, block);
      return view;
    },
  };

  constructor(
    private readonly ctx: SimdContext,
    readonly arithmetic: KernelArithmetic,
    private readonly convAlgorithm: SimdBackendOptions['convAlgorithm'],
  ) {
    this.backward = new SimdBackward(ctx);
    this.slots = new StagingSlots(ctx.arena);
  }

  get threads(): number {
    return this.ctx.team.threads;
  }

  get fma(): boolean {
    return this.arithmetic !== 'mul-add';
  }

  plan(graph: VggGraph, batch: number): void {
    this.ctx.arena.reserve(planBytes(graph, batch, this.ctx.chunkBytes), `a batch of ${batch} through ${graph.model}`);
  }

  /** The Winograd transform is left running on the workers while the caller reads the next layer. */
  prepareLayer(layer: GraphLayer, weights: LayerWeights): SimdLayer {
    this.check();
    const staged = this.staged.get(weights.kernel.data);
    this.staged.delete(weights.kernel.data);
    return prepareLayer(this.ctx, layer, weights, { force: this.forced(layer.name), staged, background: true });
  }

  private forced(name: string): ConvAlgorithm | undefined {
    const a = this.convAlgorithm;
    return typeof a === 'string' || a === undefined ? a : a[name];
  }

  disposeLayer(layer: SimdLayer): void {
    if (this.closed) return;
    this.ctx.team.flush(); // a transform may still write into it
    this.backward.disposeLayer(layer);
    disposeLayer(this.ctx, layer);
  }

  /** Before the first pass: waits for the team's workers (started without waiting) and the last weight transform. */
  input(batch: FloatTensor): SimdTensor | Promise<SimdTensor> {
    this.check();
    this.dropStaged();
    this.ctx.team.flush();
    this.slots.free(); // the weights are in: their staging blocks hold activations now
    if (!this.ctx.team.started) return this.ctx.team.join().then(() => this.inputNow(batch));
    return this.inputNow(batch);
  }

  private inputNow(batch: FloatTensor): SimdTensor {
    this.check();
    if (batch.shape.length === 2) {
      // A batch of vectors (`[N, F]`, e.g. a dense layer's input given directly): rows padded like flatten's.
      const [n, f] = batch.shape as [number, number];
      const v = allocVector(this.ctx, n, f, roundUp(f, 8), 'input');
      writeCompact(this.ctx, v, batch.data);
      return v;
    }
    if (batch.shape.length !== 4) {
      throw new VggError(
        'E_INPUT_SHAPE',
        `simd backend: input must be NHWC [N, H, W, C] or [N, F], got [${batch.shape.join(', ')}]`,
      );
    }
    const [n, h, w, c] = batch.shape as [number, number, number, number];
    const x = allocMap(this.ctx, n, h, w, c, 'input');
    writeCompact(this.ctx, x, batch.data);
    return x;
  }

  conv2dRelu(x: SimdTensor, layer: SimdLayer): SimdTensor {
    this.check();
    const [n, h, w, c] = x.shape as [number, number, number, number];
    if (!isMap(x) || c !== layer.inputs || layer.kind !== 'conv') {
      throw new VggError(
        'E_INPUT_SHAPE',
        `simd backend: ${layer.name} expects [N, H, W, ${layer.inputs}], got [${x.shape.join(', ')}]`,
      );
    }
    const out = allocMap(this.ctx, n, h, w, layer.outputs, `${layer.name} output`);
    try {
      if (layer.algorithm === 'im2col') convIm2col(this.ctx, x, layer, out);
      else convWinograd(this.ctx, x, layer, out);
    } catch (e) {
      this.ctx.arena.release(out.ptr);
      throw e;
    }
    return out;
  }

  maxPool2x2(x: SimdTensor): SimdTensor {
    this.check();
    return maxPool(this.ctx, x);
  }

  globalPool(x: SimdTensor, mode: 'avg' | 'max'): SimdTensor {
    this.check();
    return globalPool(this.ctx, x, mode);
  }

  flatten(x: SimdTensor): SimdTensor {
    this.check();
    return flatten(this.ctx, x);
  }

  dense(x: SimdTensor, layer: SimdLayer, activation: DenseActivation): SimdTensor {
    this.check();
    if (isMap(x) || x.shape[1] !== layer.inputs || layer.kind !== 'dense') {
      throw new VggError(
        'E_INPUT_SHAPE',
        `simd backend: ${layer.name} expects [N, ${layer.inputs}], got [${x.shape.join(', ')}]`,
      );
    }
    return dense(this.ctx, x, layer, activation);
  }

  async read(x: SimdTensor): Promise<FloatTensor> {
    this.check();
    this.ctx.team.flush();
    return { data: readCompact(this.ctx, x), shape: [...x.shape] };
  }

  dispose(x: SimdTensor): void {
    if (!this.closed) this.ctx.arena.release(x.ptr);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ctx.team.close();
  }

  private dropStaged(): void {
    for (const block of this.staged.values()) block.release();
    this.staged.clear();
  }

  private check(): void {
    if (this.closed) throw new VggError('E_USAGE', 'simd backend: used after close(); create a new backend');
  }
}

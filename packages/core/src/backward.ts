import type { Backend, BackwardOps, ReluBackwardMode } from './backend.js';
import { VggError } from './errors.js';
import { applyLayer, assertInputShape, assertWeightsFor } from './executor.js';
import type { GraphLayer, VggGraph } from './graph.js';
import type { ResolvedObjective } from './objectives.js';
import type { FloatTensor } from './tensor.js';

export interface GradientRequest {
  readonly objective: ResolvedObjective;
  /** The layer whose output the gradient is taken with respect to; `input_1` (index 0) = the preprocessed input. */
  readonly wrt: GraphLayer;
  /** `guided`: guided backprop (every ReLU passes only positive gradients). Default `plain`. */
  readonly relu?: ReluBackwardMode;
}

export interface GradientResult {
  /** The objective per image. */
  readonly value: Float32Array;
  /** ∂objective/∂(output of `layer`): NHWC `[N,H,W,C]` (`[N,H,W,3]` for the input, caffe BGR space). */
  readonly gradient: FloatTensor;
  /** The layer the gradient is with respect to. */
  readonly layer: string;
  /** That layer's activation (its output in this pass); the input itself for `input_1`. */
  readonly activation: FloatTensor;
}

/**
 * Forward to the objective's layer keeping every activation the reverse pass needs (ReLU outputs
 * for their masks, pool inputs for the argmax), then backward to `wrt`, freeing each activation as
 * soon as its layer is done. `runGraph` (extract) keeps none of them.
 */
export async function runGradient<T, L>(
  backend: Backend<T, L>,
  graph: VggGraph,
  prepared: ReadonlyMap<string, L>,
  batch: FloatTensor,
  request: GradientRequest,
): Promise<GradientResult> {
  const ops = backwardOps(backend);
  const target = request.objective.layer;
  const wrt = request.wrt;
  if (wrt.index >= target.index) {
    throw new VggError(
      'E_USAGE',
      `gradient: the gradient is taken with respect to a layer before the objective's ('${target.name}'), got '${wrt.name}'`,
    );
  }
  assertWeightsFor(graph, prepared, target.index);
  assertInputShape(graph, batch);
  for (const layer of graph.layers.slice(wrt.index + 1, target.index + 1)) {
    const weights = prepared.get(layer.name);
    if (weights !== undefined) await ops.prepare?.(weights);
  }
  const run = (inspect?: Inspect<T>) => forwardBackward(backend, ops, graph, prepared, batch, request, inspect);
  const result = await run();
  if (allFinite(result.gradient.data)) return result;
  // Rare: find the first layer whose gradient went non-finite, reading each one out this time.
  await run(async (layer, dx) => {
    if (!allFinite((await backend.read(dx)).data)) throw nonFinite(layer, target);
  });
  throw nonFinite(graph.layers[wrt.index + 1]!, target);
}

type Inspect<T> = (layer: GraphLayer, dx: T) => Promise<void>;

async function forwardBackward<T, L>(
  backend: Backend<T, L>,
  ops: BackwardOps<T, L>,
  graph: VggGraph,
  prepared: ReadonlyMap<string, L>,
  batch: FloatTensor,
  request: GradientRequest,
  inspect: Inspect<T> | undefined,
): Promise<GradientResult> {
  const target = request.objective.layer.index;
  const wrt = request.wrt.index;
  const kept: (T | undefined)[] = [];
  const release = (i: number) => {
    if (kept[i] !== undefined) backend.dispose(kept[i]!);
    kept[i] = undefined;
  };
  // Below `wrt` nothing is needed again (the reverse pass stops there), nor what no reverse step
  // reads; a ReLU output only its own mask step reads is kept as the backend's mask, where it has one.
  const keepForReverse = async (j: number) => {
    const read = j >= wrt ? readInReverse(graph, j, wrt) : 'none';
    if (read === 'none') release(j);
    else if (read === 'mask' && ops.mask) {
      const mask = await ops.mask(kept[j]!);
      release(j);
      kept[j] = mask;
    }
  };
  let dy: T | undefined;
  try {
    kept[0] = await backend.input(batch);
    for (let i = 1; i <= target; i++) {
      kept[i] = await applyLayer(backend, graph.layers[i]!, kept[i - 1]!, prepared, i === target);
      await keepForReverse(i - 1);
    }
    const seed = request.objective.seed(await backend.read(kept[target]!));
    if (!allFinite(seed.value)) throw nonFinite(graph.layers[target]!, graph.layers[target]!, 'objective');
    let current: T = await backend.input(seed.gradient);
    dy = current;
    for (let i = target; i > wrt; i--) {
      const layer = graph.layers[i]!;
      const step: Step<T> = {
        dy: current,
        y: kept[i],
        x: kept[i - 1],
        batch: batch.shape[0]!,
        isTarget: i === target,
      };
      const dx: T = await stepBack(backend, ops, layer, step, prepared, request.relu ?? 'plain');
      backend.dispose(current);
      current = dy = dx;
      release(i);
      await inspect?.(layer, dx);
    }
    const gradient = await backend.read(current);
    const activation = await backend.read(kept[wrt]!);
    return { value: seed.value, gradient, activation, layer: request.wrt.name };
  } finally {
    if (dy !== undefined) backend.dispose(dy);
    for (let i = 0; i < kept.length; i++) release(i);
  }
}

/**
 * What the reverse pass reads of layer `j`'s output: the values where the pool after it takes its
 * argmax or where it is `wrt`'s (returned); only `y > 0` where it is a ReLU's (conv, dense but the
 * softmax) and nothing else reads it; nothing for a max pool's output feeding a conv (a conv's ∂x
 * needs only its kernel: 6 MB at VGG16 224²).
 */
function readInReverse(graph: VggGraph, j: number, wrt: number): 'values' | 'mask' | 'none' {
  const spec = graph.layers[j]!.spec;
  const next = graph.layers[j + 1]?.spec.kind;
  if (j === wrt || next === 'pool' || next === 'global_pool') return 'values';
  const relu = spec.kind === 'conv' || (spec.kind === 'dense' && spec.activation === 'relu');
  return relu ? 'mask' : 'none';
}

interface Step<T> {
  /** ∂objective/∂(the layer's output). */
  readonly dy: T;
  /** The layer's output (or the backend's mask of it) and input in the forward pass, where kept (readInReverse). */
  readonly y: T | undefined;
  readonly x: T | undefined;
  readonly batch: number;
  /** The objective's layer: a softmax there ran linear. */
  readonly isTarget: boolean;
}

/** ∂objective/∂(the layer's input) from ∂objective/∂(its output). */
async function stepBack<T, L>(
  backend: Backend<T, L>,
  ops: BackwardOps<T, L>,
  layer: GraphLayer,
  { dy, y, x, batch, isTarget }: Step<T>,
  prepared: ReadonlyMap<string, L>,
  relu: ReluBackwardMode,
): Promise<T> {
  const spec = layer.spec;
  const kept = (t: T | undefined, what: string): T => {
    if (t === undefined) throw new VggError('E_INTERNAL', `gradient: '${layer.name}' ${what} was not kept`);
    return t;
  };
  const withMask = async (then: (dz: T) => T | Promise<T>): Promise<T> => {
    const dz = await ops.relu(dy, kept(y, 'output'), relu);
    try {
      return await then(dz);
    } finally {
      backend.dispose(dz);
    }
  };
  switch (spec.kind) {
    case 'conv':
      return withMask((dz) => ops.conv2dData(dz, prepared.get(layer.name)!));
    case 'pool':
      return ops.maxPool2x2(dy, kept(x, 'input'));
    case 'global_pool':
      return ops.globalPool(dy, kept(x, 'input'), spec.mode);
    case 'flatten':
      return ops.unflatten(dy, [batch, ...(layer.inputShape as [number, number, number])]);
    case 'dense':
      // The objective's own softmax layer ran linear (scores before softmax): no mask there.
      if (spec.activation === 'softmax' && isTarget) return ops.dense(dy, prepared.get(layer.name)!);
      if (spec.activation === 'softmax')
        throw new VggError('E_INTERNAL', `gradient: softmax '${layer.name}' mid-graph`);
      return withMask((dz) => ops.dense(dz, prepared.get(layer.name)!));
    case 'input':
      throw new VggError('E_INTERNAL', `gradient: input layer '${layer.name}' found at index ${layer.index}`);
  }
}

function backwardOps<T, L>(backend: Backend<T, L>): BackwardOps<T, L> {
  if (backend.backward) return backend.backward;
  const advice = backend.withoutGradients ?? {
    why: 'create the model on a backend that has a reverse pass',
    hint: 'choose another --backend',
  };
  throw new VggError(
    'E_USAGE',
    `gradient: the '${backend.name}' backend computes no gradients (it has no reverse pass); ${advice.why}`,
    { hint: advice.hint },
  );
}

function allFinite(data: ArrayLike<number>): boolean {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return false;
  return true;
}

function nonFinite(layer: GraphLayer, target: GraphLayer, what = 'gradient'): VggError {
  return new VggError(
    'E_NON_FINITE',
    `gradient: the ${what} of '${target.name}' became NaN or infinite at '${layer.name}'; ` +
      'the input or the weights hold values too large (is the input preprocessed, caffe BGR around ±128, and finite?)',
  );
}

import {
  buildGraph,
  createVgg,
  type GradientObjective,
  type GraphOptions,
  resolveVggConfig,
  tinyVgg,
  type Vgg,
  type VggConfigInput,
} from '@vggscope/core';
import { loadInput } from '@vggscope/image';
import { openWeights } from '@vggscope/weights/open';
import { synthWeights } from '@vggscope/synth-weights';
import { relativeL2, wavyInput } from '@vggscope/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { loadVgg } from '../load-vgg.js';
import { conv2dBackwardData, maxPool2x2Backward, reluBackward } from '../reference/backward.js';
import { conv2dRelu } from '../reference/conv2d-relu.js';
import { maxPool2x2 } from '../reference/max-pool.js';
import { ARENA_BASE } from './control-block.js';
import { chooseAlgorithm } from './prepared-layer.js';
import { createSimdBackend, type SimdBackend } from './simd-backend.js';
import { convCase, tensor } from './testdata/simd-test-data.js';

const open: Vgg[] = [];
afterAll(async () => {
  for (const v of open) await v.close();
});

interface Case {
  model: 'vgg16' | 'vgg19';
  options: GraphOptions;
  threads: number;
  objective: GradientObjective;
  relu?: 'guided';
  widths?: number[];
  /** Images per pass; default 2. */
  batch?: number;
  /** The simd forward takes F(4×4) where the plan picks F(6×6) (see `simdVgg`). */
  f4?: true;
}

/**
 * The simd side of a case: the default plan, or (`f4`) F(4×4) wherever the plan picks F(6×6).
 * A whole-network gradient is discontinuous where a ReLU or a max pool decides: in the `f4` cases
 * one unit whose float64 pre-activation is ≈ 7e-4 (of activations up to ≈ 200) comes out negative
 * with F(6×6) forwards (their float32 error is ≈ 2× F(4×4)'s, well inside 1e-5 per layer), and that
 * one flipped unit moves the input gradient by 0.5–1 %. Those cases check the backward ops; the
 * F(6×6) forwards are in the gradients of the other cases (their early layers take it).
 */
async function simdVgg(config: VggConfigInput, f4: boolean): Promise<Vgg> {
  if (!f4) return loadVgg({ ...config, backend: 'simd' });
  const { config: resolved, graph } = resolveVggConfig({ ...config, backend: 'simd' });
  const forced = graph.layers
    .filter((l) => l.spec.kind === 'conv')
    .filter(
      (l) => chooseAlgorithm(l.inputShape[2]!, l.inputShape[0]!, l.inputShape[1]!, l.outputShape[2]!) === 'winograd6',
    )
    .map((l) => [l.name, 'winograd' as const]);
  const backend = await createSimdBackend({ threads: resolved.threads, convAlgorithm: Object.fromEntries(forced) });
  return createVgg(backend, resolved, { openWeights, loadInput, ownsBackend: true });
}

const cases: Case[] = [
  { model: 'vgg16', options: { includeTop: true }, threads: 2, objective: { kind: 'class', class: 5 }, f4: true },
  // fc1 units per image: the most active one of each (a unit dead for an image has no gradient).
  {
    model: 'vgg19',
    options: { includeTop: true },
    threads: 1,
    objective: { kind: 'unit', layer: 'fc1', unit: [-1, -1] },
    f4: true,
  },
  {
    model: 'vgg16',
    options: { inputSize: [67, 45] },
    threads: 1,
    objective: { kind: 'filter', layer: 'block5_pool', filter: 2 },
  },
  {
    model: 'vgg19',
    options: { inputSize: [67, 45] },
    threads: 2,
    objective: { kind: 'filter', layer: 'block4_conv4', filter: 1 },
    relu: 'guided',
  },
  {
    model: 'vgg16',
    options: { inputSize: [33, 47], pooling: 'avg' },
    threads: 2,
    objective: { kind: 'unit', layer: 'global_average_pooling2d', unit: 9 },
    widths: [5, 12, 20, 36, 40],
  },
  {
    model: 'vgg19',
    options: { inputSize: [32, 32], pooling: 'max' },
    threads: 1,
    objective: { kind: 'unit', layer: 'global_max_pooling2d', unit: 0 },
  },
];

const REAL_WIDTHS = [64, 128, 256, 512, 512];
cases.push({
  model: 'vgg16',
  options: { inputSize: [32, 36] },
  threads: 2,
  objective: { kind: 'filter', layer: 'block5_conv3', filter: 300 },
  widths: REAL_WIDTHS,
  batch: 1, // the float64 reference at real widths is the slow part
  f4: true,
});

describe('simd backward vs the reference backend: whole-network gradients (rel L2 < 1e-4)', () => {
  it.each(cases)(
    '$model $options threads=$threads $objective.kind $relu f4=$f4',
    async ({ model, options, threads, objective: given, relu, widths, batch = 2, f4 }) => {
      let objective = given;
      const spec = tinyVgg(model, widths ? { widths, topUnits: 16 } : {});
      const graph = buildGraph(spec, options);
      const weights = synthWeights(graph, 9);
      const config = { model: spec, weights, ...options, layers: [graph.layers.length - 1], threads };
      const simd = await simdVgg(config, f4 === true);
      const ref = await loadVgg({ ...config, backend: 'reference' });
      open.push(simd, ref);
      const [h, w] = graph.inputSize;
      const x = wavyInput([batch, h, w, 3], 0.3);
      if (objective.kind === 'unit' && Array.isArray(objective.unit)) {
        const [fc1] = await ref.extract(x, { layers: ['fc1'] });
        const f = fc1!.shape[1]!;
        const best = (b: number) =>
          fc1!.data.subarray(b * f, (b + 1) * f).reduce((m, v, i, a) => (v > a[m]! ? i : m), 0);
        objective = { ...objective, unit: [best(0), best(1)] };
      }
      const a = await simd.gradient(x, objective, { relu });
      const b = await ref.gradient(x, objective, { relu });
      expect(a.gradient.shape).toEqual([batch, h, w, 3]);
      expect(relativeL2(a.value, b.value), 'objective').toBeLessThan(1e-4);
      expect(
        b.gradient.data.some((v) => v !== 0),
        'the gradient is not zero',
      ).toBe(true);
      const err = relativeL2(a.gradient.data, b.gradient.data);
      expect(err, `gradient rel L2 ${err}`).toBeLessThan(1e-4);
    },
  );

  it('gradient with respect to a conv layer (Grad-CAM++ / LayerCAM use this) matches too', async () => {
    const spec = tinyVgg('vgg16');
    const graph = buildGraph(spec, { includeTop: true });
    const weights = synthWeights(graph, 4);
    const config = { model: spec, weights, includeTop: true, layers: ['predictions'], threads: 2 };
    const simd = await loadVgg({ ...config, backend: 'simd' });
    const ref = await loadVgg({ ...config, backend: 'reference' });
    open.push(simd, ref);
    const x = wavyInput([1, 224, 224, 3], 2);
    const a = await simd.gradient(x, { kind: 'class', class: 11 }, { wrt: 'block4_conv2' });
    const b = await ref.gradient(x, { kind: 'class', class: 11 }, { wrt: 'block4_conv2' });
    expect(a.gradient.shape).toEqual([1, 28, 28, 16]);
    expect(relativeL2(a.activation.data, b.activation.data)).toBeLessThan(1e-4);
    expect(relativeL2(a.gradient.data, b.gradient.data)).toBeLessThan(1e-4);
  });
});

describe('simd backward: determinism', () => {
  it('1 and 2 threads give byte-identical gradients (every sum has one order, whichever thread runs it)', async () => {
    const spec = tinyVgg('vgg16');
    const graph = buildGraph(spec, { includeTop: true });
    const weights = synthWeights(graph, 6);
    const config = { model: spec, weights, includeTop: true, layers: ['predictions'], backend: 'simd' };
    const one = await loadVgg({ ...config, threads: 1 });
    const two = await loadVgg({ ...config, threads: 2 });
    open.push(one, two);
    const x = wavyInput([1, 224, 224, 3], 0.9);
    const a = await one.gradient(x, { kind: 'class', class: 2 });
    const b = await two.gradient(x, { kind: 'class', class: 2 });
    expect(Buffer.from(a.gradient.data.buffer).equals(Buffer.from(b.gradient.data.buffer))).toBe(true);
  });
});

describe('simd backward right after loading', () => {
  it('equals the same gradient after a forward pass (the last weight transform may still run on the workers)', async () => {
    // A wide last conv, so its background transform is still running when the gradient reads its
    // forward form (wrt its input: the first form made); without waiting, 3-4 runs in 5 differed.
    const spec = tinyVgg('vgg16', { widths: [8, 8, 16, 16, 512] });
    const graph = buildGraph(spec, { inputSize: [32, 32] });
    const config = { model: spec, weights: synthWeights(graph, 3), inputSize: [32, 32] as [number, number] };
    const x = wavyInput([1, 32, 32, 3], 0.5);
    const objective = { kind: 'filter', layer: 'block5_conv3', filter: 5 } as const;
    for (let attempt = 0; attempt < 4; attempt++) {
      const fresh = await loadVgg({ ...config, layers: ['block5_conv3'], backend: 'simd', threads: 2 });
      const warm = await loadVgg({ ...config, layers: ['block5_conv3'], backend: 'simd', threads: 2 });
      open.push(fresh, warm);
      const a = await fresh.gradient(x, objective, { wrt: 'block5_conv2' });
      await warm.extract(x);
      const b = await warm.gradient(x, objective, { wrt: 'block5_conv2' });
      expect(
        Buffer.from(a.gradient.data.buffer).equals(Buffer.from(b.gradient.data.buffer)),
        `attempt ${attempt}`,
      ).toBe(true);
    }
  });
});

describe('simd backward ops one by one vs the reference ops (odd and real sizes)', () => {
  const backends: SimdBackend[] = [];
  afterAll(async () => {
    for (const b of backends) await b.close();
  });

  it.each([
    [300, 451, 4, 8, 2],
    [67, 45, 3, 64, 1],
    [13, 9, 64, 64, 2],
    [32, 36, 64, 64, 1], // the forward takes F(6×6), fused
    [7, 7, 256, 128, 2],
    // ∂x forms (backward-weights.ts): F(4×4) above (inverted from F(6×6) for 32×36), im2col where the forward takes F(2×2) (13×9, 7×7),
    // F(2×2) for kernels of ≥ 1 Mi weights on maps where the forward takes F(4×4) (here 30 tiles).
    [20, 23, 256, 512, 2],
  ])('conv ∂x, ReLU mask, max pool: x=[1,%i,%i,%i] → %i channels, %i thread(s)', async (h, w, cin, cout, threads) => {
    const backend = await createSimdBackend({ threads });
    backends.push(backend);
    const { layer, weights, x } = convCase(h, w, cin, cout, 5);
    const ops = backend.backward;
    const prepared = await backend.prepareLayer(layer, weights);
    const y = await backend.conv2dRelu(await backend.input(x), prepared);
    const yRef = conv2dRelu(x, weights.kernel, weights.bias);
    const dy = tensor([1, h, w, cout], 6);
    const dyS = await backend.input(dy);
    const masked = ops.relu(dyS, y, 'plain');
    const maskedRef = reluBackward(dy, yRef, 'plain');
    // The packed mask (1 bit a float) stands in for y exactly, plain and guided.
    const bits = ops.mask(y);
    for (const mode of ['plain', 'guided'] as const) {
      const [fromY, fromBits] = [ops.relu(dyS, y, mode), ops.relu(dyS, bits, mode)];
      const [a, b] = [(await backend.read(fromY)).data, (await backend.read(fromBits)).data];
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer)), `${mode} ReLU from the packed mask`).toBe(true);
      expect(relativeL2(a, reluBackward(dy, yRef, mode).data), mode).toBeLessThan(1e-4);
    }
    const dx = ops.conv2dData(masked, prepared);
    const want = conv2dBackwardData(maskedRef, weights.kernel);
    expect(relativeL2((await backend.read(dx)).data, want.data), 'conv ∂x').toBeLessThan(1e-4);
    const pooled = maxPool2x2(yRef);
    const dp = tensor([...pooled.shape] as number[], 7);
    const routed = ops.maxPool2x2(await backend.input(dp), y);
    const routedRef = maxPool2x2Backward(dp, yRef);
    expect(relativeL2((await backend.read(routed)).data, routedRef.data), 'max pool').toBeLessThan(1e-4);
  });
});

describe('simd conv ∂x takes the forward Winograd path: scratch bounded like the forward', () => {
  // [2,320,320,8]: ∂z and ∂x take 2 × 6.5 MB; V and M for a whole 320² map would add 14.7 MB per image.
  // In a 20 MiB arena only bounded scratch fits: chunks of 1 MiB (phased) or the threads' own scratch (fused).
  const [n, h, w, c] = [2, 320, 320, 8];
  const { layer, weights } = convCase(h, w, c, c, 21);
  const dz = tensor([n, h, w, c], 22);
  let want: Float32Array | undefined;
  const backends: SimdBackend[] = [];
  afterAll(async () => {
    for (const b of backends) await b.close();
  });

  it.each(['never', 'always'] as const)('fusion %s: [2,320,320,8] in a 20 MiB arena, ≈ float64', async (fusion) => {
    const maxMemoryMiB = Math.ceil(ARENA_BASE / 2 ** 20) + 20;
    const backend = await createSimdBackend({ threads: 2, winogradFusion: fusion, chunkBytes: 2 ** 20, maxMemoryMiB });
    backends.push(backend);
    const prepared = await backend.prepareLayer(layer, weights);
    const dx = backend.backward.conv2dData(await backend.input(dz), prepared);
    want ??= conv2dBackwardData(dz, weights.kernel).data;
    const got = (await backend.read(dx)).data;
    expect(
      got.some((v) => v < 0),
      'linear: negative gradients pass',
    ).toBe(true);
    expect(relativeL2(got, want)).toBeLessThan(1e-5);
  });
});

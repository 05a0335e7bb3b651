import { buildGraph, type ModelSpec, tinyVgg, type WeightSet } from '@vggscope/core';
import { loadWeights } from '@vggscope/weights';
import { cachedSynthWeights, relativeL2, tinyWeights, wavyInput } from '@vggscope/test-utils';
import { kerasReference } from '@vggscope/test-utils/keras-reference';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKEND_NAMES } from './backends.js';
import { loadVgg } from './load-vgg.js';

// Tolerance for float32 whole-network comparisons: relative L2 error < 1e-4.
const TOL = 1e-4;
const FAST = BACKEND_NAMES.filter((n) => n !== 'reference');

/** Every layer after the input: each conv, pool and (with the top) flatten and dense layer. */
function checkedLayers(spec: ModelSpec, includeTop: boolean): string[] {
  return buildGraph(spec, { includeTop })
    .layers.slice(1)
    .map((l) => l.name);
}

interface Case {
  name: string;
  spec: ModelSpec;
  size: [number, number];
  includeTop: boolean;
  refBackend: 'cpu' | 'wasm';
  batch?: number;
  /** A weights file (the loader is part of what is proven) or weights in memory (synthWeights' values). */
  weights: () => Promise<string | WeightSet>;
}

/**
 * The tfjs-layers reference of the last case asked for: each case is checked on every fast backend,
 * and the reference (tens of seconds at real widths) is the slow part, so it is computed once per case.
 */
let cached: { name: string; reference: Promise<Reference> } | undefined;
interface Reference {
  input: ReturnType<typeof wavyInput>;
  weights: string | WeightSet;
  layers: string[];
  expected: Awaited<ReturnType<typeof kerasReference>>;
}

async function reference(c: Case): Promise<Reference> {
  if (cached?.name !== c.name) cached = { name: c.name, reference: computeReference(c) };
  return cached.reference;
}

async function computeReference(c: Case): Promise<Reference> {
  const graph = buildGraph(c.spec, { includeTop: c.includeTop, inputSize: c.size });
  const layers = checkedLayers(c.spec, c.includeTop);
  const input = wavyInput([c.batch ?? 1, c.size[0], c.size[1], 3]);
  const weights = await c.weights();
  // tfjs-layers builds the Keras model from its config and gets the same weights.
  const set = typeof weights === 'string' ? await loadWeights(weights, graph) : weights;
  const expected = await kerasReference(graph, set, input, layers, c.refBackend);
  return { input, weights, layers, expected };
}

async function compare(backend: string, c: Case) {
  const { input, weights, layers, expected } = await reference(c);
  const vgg = await loadVgg({ model: c.spec, weights, includeTop: c.includeTop, inputSize: c.size, layers, backend });
  try {
    const actual = await vgg.extract(input);
    for (const out of actual) {
      const ref = expected.get(out.layer)!;
      expect(out.shape, out.layer).toEqual(ref.shape);
      const err = relativeL2(out.data, ref.data);
      expect(err, `${out.layer}: relative L2 ${err}`).toBeLessThan(TOL);
    }
    const maxAbs = actual.at(-1)!.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(maxAbs, 'outputs must not be all zero').toBeGreaterThan(0);
  } finally {
    await vgg.close();
  }
}

const tiny16 = tinyVgg('vgg16');
const tiny19 = tinyVgg('vgg19');

const TINY: Case[] = [
  {
    name: 'tiny vgg16 x=[1,32,32,3]',
    spec: tiny16,
    size: [32, 32],
    includeTop: false,
    refBackend: 'cpu',
    weights: () => tinyWeights('vgg16', 'h5'),
  },
  {
    name: 'tiny vgg16 x=[2,67,45,3]',
    spec: tiny16,
    size: [67, 45],
    includeTop: false,
    refBackend: 'cpu',
    batch: 2,
    weights: () => tinyWeights('vgg16', 'h5'),
  },
  {
    name: 'tiny vgg19 x=[1,33,47,3]',
    spec: tiny19,
    size: [33, 47],
    includeTop: false,
    refBackend: 'cpu',
    weights: () => tinyWeights('vgg19', 'h5'),
  },
  {
    name: 'tiny vgg19 include_top x=[1,224,224,3]',
    spec: tiny19,
    size: [224, 224],
    includeTop: true,
    refBackend: 'cpu',
    weights: () => tinyWeights('vgg19', 'h5', { includeTop: true }),
  },
];

const REAL_WIDTHS: Case[] = [
  {
    name: 'vgg16 x=[1,67,45,3], weights in memory, cpu reference',
    spec: buildGraph('vgg16').spec,
    size: [67, 45],
    includeTop: false,
    refBackend: 'cpu',
    weights: () => cachedSynthWeights(buildGraph('vgg16'), 11),
  },
  {
    name: 'vgg19 x=[1,300,451,3] (tile edges on every side), weights in memory, wasm reference',
    spec: buildGraph('vgg19').spec,
    size: [300, 451],
    includeTop: false,
    refBackend: 'wasm',
    weights: () => cachedSynthWeights(buildGraph('vgg19'), 5),
  },
  {
    name: 'vgg16 include_top x=[1,224,224,3], weights in memory, wasm reference',
    spec: buildGraph('vgg16').spec,
    size: [224, 224],
    includeTop: true,
    refBackend: 'wasm',
    weights: () => cachedSynthWeights(buildGraph('vgg16', { includeTop: true }), 7),
  },
];

// Files share a worker process (vitest.config.ts): let the last reference (VGG16 with the top: 0.55 GB of
// weights) be collected once this file is done.
afterAll(() => {
  cached = undefined;
});

// Case by case, every fast backend against the same reference (computed once per case).
describe('engines vs the tfjs-layers Keras model', () => {
  for (const [group, cases] of [
    ['tiny models from .h5 files, cpu reference, odd sizes', TINY],
    ['real widths', REAL_WIDTHS],
  ] as const)
    describe(group, () => {
      for (const c of cases) for (const backend of FAST) it(`${backend}: ${c.name}`, () => compare(backend, c));
    });
});

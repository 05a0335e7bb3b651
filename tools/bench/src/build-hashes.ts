/**
 * Proof that a kernel change is bit-identical: the sha256 of every conv output of a synthetic VGG16
 * (seed 1) and of whole-network gradients, on the simd backend of a built checkout, for a matrix of
 * cases (all three kernel builds; 224² and 37×53; batch 1 and 3; 1 and 2 threads; forced
 * winograd / winograd2 / winograd6 and the default plan; fusion always / never; the reverse pass).
 * Run it on the baseline checkout and on the change, then diff the two outputs: any line differing is
 * a changed result. `--quick`: the 37×53 cases only (about a minute).
 * Usage: node tools/bench/dist/build-hashes.js [--root /path/to/other/checkout] [--quick] > hashes.txt
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { FloatTensor, WeightSet } from '@vggscope/core';
import { loadBuild, type Build } from './load-build.js';

const { values } = parseArgs({ options: { root: { type: 'string' }, quick: { type: 'boolean', default: false } } });
const build: Build = await loadBuild(values.root);

type Arithmetic = 'fma' | 'mul-add' | 'fma-emulated';
const FMA = { fma: true, 'mul-add': false, 'fma-emulated': 'emulated' } as const;
interface Case {
  readonly arithmetic: Arithmetic;
  readonly size: readonly [number, number];
  readonly batch: number;
  readonly threads: number;
  readonly algorithm: 'winograd' | 'winograd2' | 'winograd6' | 'auto';
  readonly fusion: 'always' | 'never' | 'auto';
  readonly gradient?: true;
}

/** The emulated build is ≈ 5× slower: it runs the 37×53 cases and the forced 224² forwards on 2 threads. */
function cases(): Case[] {
  const all: Case[] = [];
  for (const arithmetic of ['fma', 'mul-add', 'fma-emulated'] as const) {
    const emulated = arithmetic === 'fma-emulated';
    for (const algorithm of ['winograd', 'winograd2', 'winograd6', 'auto'] as const) {
      for (const fusion of ['always', 'never'] as const) {
        if (!emulated || algorithm !== 'auto') {
          all.push({ arithmetic, size: [224, 224], batch: 1, threads: emulated ? 2 : 1, algorithm, fusion });
        }
        all.push({ arithmetic, size: [37, 53], batch: 3, threads: 2, algorithm, fusion });
        if (!emulated) all.push({ arithmetic, size: [37, 53], batch: 1, threads: 1, algorithm, fusion });
      }
      if (!emulated) all.push({ arithmetic, size: [224, 224], batch: 3, threads: 2, algorithm, fusion: 'auto' });
      all.push({ arithmetic, size: [37, 53], batch: 3, threads: 2, algorithm, fusion: 'auto', gradient: true });
      if (!emulated)
        all.push({ arithmetic, size: [224, 224], batch: 1, threads: 2, algorithm, fusion: 'auto', gradient: true });
    }
  }
  return values.quick ? all.filter((c) => c.size[0] === 37) : all;
}

const sha = (a: Float32Array): string =>
  createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex')
    .slice(0, 16);
const input = (n: number, [h, w]: readonly [number, number]): FloatTensor => ({
  data: Float32Array.from({ length: n * h * w * 3 }, (_, i) => 100 * Math.sin(i * 0.37) + 20 * Math.cos(i * 0.011)),
  shape: [n, h, w, 3],
});

const models = new Map<string, { graph: ReturnType<Build['buildGraph']>; weights: WeightSet }>();
for (const c of cases()) {
  const t0 = performance.now();
  const key = `${c.arithmetic} ${c.size.join('x')} b${c.batch} t${c.threads} ${c.algorithm} fusion=${c.fusion}${c.gradient ? ' grad' : ''}`;
  const backend = await build.createSimdBackend({
    threads: c.threads,
    fma: FMA[c.arithmetic],
    ...(c.algorithm === 'auto' ? {} : { convAlgorithm: c.algorithm }),
    winogradFusion: c.fusion,
  });
  const size = c.size.join('x');
  if (!models.has(size)) {
    const graph = build.buildGraph('vgg16', { inputSize: c.size });
    models.set(size, { graph, weights: build.synthWeights(graph, 1) });
  }
  const { graph, weights } = models.get(size)!;
  const x = input(c.batch, c.size);
  if (!c.gradient) {
    await backend.plan?.(graph, c.batch);
    let got = await backend.input(x);
    const algorithms: string[] = [];
    for (const layer of graph.layers.slice(1)) {
      if (layer.spec.kind !== 'conv' && layer.spec.kind !== 'pool') continue;
      let next;
      if (layer.spec.kind === 'conv') {
        const prepared = await backend.prepareLayer(layer, weights.layers.get(layer.name)!);
        algorithms.push(prepared.algorithm);
        next = await backend.conv2dRelu(got, prepared);
      } else next = await backend.maxPool2x2(got);
      backend.dispose(got);
      got = next;
      if (layer.spec.kind === 'conv') console.log(`${key} | ${layer.name} | ${sha((await backend.read(got)).data)}`);
    }
    backend.dispose(got);
    console.log(`${key} | algorithms | ${algorithms.join(',')}`);
    await backend.close();
  } else {
    const { config } = build.resolveVggConfig({
      model: 'vgg16',
      weights,
      inputSize: c.size,
      layers: ['block5_conv3'],
      backend: 'simd',
      threads: c.threads,
    });
    const vgg = await build.createVgg(backend, config, { openWeights: build.openWeights, ownsBackend: true });
    const r = await vgg.gradient(x, { kind: 'filter', layer: 'block5_conv3', filter: 7 });
    console.log(`${key} | value | ${sha(r.value)}`);
    console.log(`${key} | input gradient | ${sha(r.gradient.data)}`);
    const r3 = await vgg.gradient(x, { kind: 'filter', layer: 'block5_conv3', filter: 3 }, { wrt: 'block3_conv1' });
    console.log(`${key} | block3_conv1 gradient | ${sha(r3.gradient.data)}`);
    await vgg.close();
  }
  console.error(`${key}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

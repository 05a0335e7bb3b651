/**
 * A/B of two built checkouts' simd kernels in one process (the only fair comparison on a shared
 * machine): the VGG16 no-top 224² pass (input → block5_pool, batch 1, synthetic weights, default
 * plan) on one thread, rounds alternating A B, B A, …; process CPU time (robust to other processes'
 * load on one thread) and wall time per pass, medians and the median of per-round B/A ratios;
 * /proc/loadavg at start and end.
 * Usage: node tools/bench/dist/build-ab.js --baseline /path/to/baseline/checkout [--rounds 61]
 *   [--fma fma|mul-add|emulated]   (B is this checkout; both built with `npm run build`)
 */
import { parseArgs } from 'node:util';
import type { FloatTensor } from '@vggscope/core';
import { type Build, loadBuild } from './load-build.js';
import { cpuMs, loadavg, machine, median } from './stats.js';

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '61' },
    fma: { type: 'string', default: 'fma' },
  },
});
if (!values.baseline) throw new Error('build-ab: --baseline <checkout> is required');
const fma = ({ fma: true, 'mul-add': false, emulated: 'emulated' } as const)[values.fma as 'fma'];
if (fma === undefined) throw new Error(`build-ab: --fma must be fma, mul-add or emulated, got '${values.fma}'`);

const [a, b] = await Promise.all([loadBuild(values.baseline), loadBuild()]);
const graph = b.buildGraph('vgg16');
const weights = b.synthWeights(graph, 1);
const input: FloatTensor = {
  data: Float32Array.from({ length: 224 * 224 * 3 }, (_, i) => 100 * Math.sin(i * 0.37)),
  shape: [1, 224, 224, 3],
};

async function setup(build: Build) {
  const backend = await build.createSimdBackend({ threads: 1, fma });
  const prepared = new Map<string, Awaited<ReturnType<typeof backend.prepareLayer>>>();
  for (const l of graph.layers) {
    const w = weights.layers.get(l.name);
    if (w) prepared.set(l.name, await backend.prepareLayer(l, w));
  }
  return {
    backend,
    plan: [...prepared.values()].map((p) => p.algorithm).join(' '),
    /** [CPU ms, wall ms] of one pass. */
    async pass(): Promise<[number, number]> {
      const c0 = cpuMs();
      const w0 = performance.now();
      let x = await backend.input(input);
      for (const l of graph.layers.slice(1)) {
        const y =
          l.spec.kind === 'conv' ? await backend.conv2dRelu(x, prepared.get(l.name)!) : await backend.maxPool2x2(x);
        backend.dispose(x);
        x = y;
      }
      await backend.read(x);
      backend.dispose(x);
      return [cpuMs() - c0, performance.now() - w0];
    },
  };
}

console.log(`machine: ${machine()}\nloadavg at start: ${loadavg()}`);
const runs = { A: await setup(a), B: await setup(b) };
console.log(`A = ${a.root}: ${runs.A.plan}\nB = this checkout: ${runs.B.plan}`);
for (let i = 0; i < 2; i++) for (const r of Object.values(runs)) await r.pass(); // V8 tiers each kernel up
const times = { A: [] as number[][], B: [] as number[][] };
const rounds = Number(values.rounds);
for (let r = 0; r < rounds; r++) {
  for (const k of r % 2 ? (['B', 'A'] as const) : (['A', 'B'] as const)) times[k].push(await runs[k].pass());
}
const col = (k: 'A' | 'B', i: number) => times[k].map((t) => t[i]!);
const [ca, cb] = [median(col('A', 0)), median(col('B', 0))];
const ratio = median(col('B', 0).map((t, i) => t / col('A', 0)[i]!));
console.log(
  `${rounds} rounds, one thread, ${values.fma}: CPU ms median A ${ca.toFixed(1)}, B ${cb.toFixed(1)} (B/A ${(cb / ca).toFixed(3)}, ` +
    `median of per-round B/A ${ratio.toFixed(3)}); wall ms median A ${median(col('A', 1)).toFixed(1)}, B ${median(col('B', 1)).toFixed(1)}`,
);
console.log(`loadavg at end: ${loadavg()}`);
for (const r of Object.values(runs)) await r.backend.close();

/**
 * Where a whole simd pass (no-top 224², input → block5_pool, batch 1, synthetic weights: the pass of
 * simd-vs-ort.ts) spends its time, layer by layer, for one or more conv plans alternating in one
 * process (the only fair A/B on this shared machine). A plan is the default (`default`) or per-layer
 * overrides of it (`block1_conv2=winograd,block2_conv1=winograd`). `--cpu`: process CPU time instead
 * of wall time (with `--threads 1`: robust to other processes' load). Medians; /proc/loadavg printed.
 * Usage: node tools/bench/dist/pass-layers.js [--model vgg16] [--threads 1] [--rounds 13] [--cpu]
 *   [--plans 'default;block1_conv2=winograd,block2_conv1=winograd']
 */
import { parseArgs } from 'node:util';
import { buildGraph, type FloatTensor } from '@vggscope/core';
import { createSimdBackend, type ConvAlgorithm, type SimdBackend } from '@vggscope/kernels/simd';
import { synthWeights } from '@vggscope/synth-weights';
import { cpuMs, loadavg, machine, median } from './stats.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'vgg16' },
    threads: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '13' },
    cpu: { type: 'boolean', default: false },
    plans: { type: 'string', default: 'default' },
  },
});
const clock = values.cpu ? cpuMs : () => performance.now();
const graph = buildGraph(values.model!);
const weights = synthWeights(graph, 1);
const input: FloatTensor = {
  data: Float32Array.from({ length: 224 * 224 * 3 }, (_, i) => 100 * Math.sin(i * 0.37)),
  shape: [1, 224, 224, 3],
};
const plans = values
  .plans!.split(';')
  .map((p) =>
    p === 'default'
      ? {}
      : (Object.fromEntries(p.split(',').map((kv) => kv.split('='))) as Record<string, ConvAlgorithm>),
  );

interface Run {
  readonly label: string;
  readonly backend: SimdBackend;
  readonly times: Map<string, number[]>;
  pass(record: boolean): Promise<void>;
}

console.log(`machine: ${machine()}\nloadavg at start: ${loadavg()}`);
const runs: Run[] = [];
for (const [i, plan] of plans.entries()) {
  const backend = await createSimdBackend({ threads: Number(values.threads), convAlgorithm: plan });
  const prepared = new Map<string, unknown>();
  for (const l of graph.layers) {
    const w = weights.layers.get(l.name);
    if (w) prepared.set(l.name, await backend.prepareLayer(l, w));
  }
  const times = new Map<string, number[]>();
  const add = (k: string, v: number) => times.set(k, [...(times.get(k) ?? []), v]);
  const label = `plan ${i + 1}: ${[...prepared.values()].map((p) => (p as { algorithm: string }).algorithm).join(' ')}`;
  runs.push({
    label,
    backend,
    times,
    async pass(record) {
      const t0 = clock();
      let x = await backend.input(input);
      let t = clock();
      for (const l of graph.layers.slice(1)) {
        const y =
          l.spec.kind === 'conv'
            ? await backend.conv2dRelu(x, prepared.get(l.name) as never)
            : await backend.maxPool2x2(x);
        backend.dispose(x);
        x = y;
        const now = clock();
        if (record) add(l.name, now - t);
        t = now;
      }
      await backend.read(x);
      backend.dispose(x);
      if (record) add('whole pass', clock() - t0);
    },
  });
  console.log(label);
}
for (let r = -2; r < Number(values.rounds); r++) for (const run of runs) await run.pass(r >= 0);
const what = values.cpu ? 'CPU ms' : 'ms';
console.log(`\n| layer | ${runs.map((_, i) => `plan ${i + 1} ${what}`).join(' | ')} |`);
console.log(`|---|${runs.map(() => '---:').join('|')}|`);
for (const name of runs[0]!.times.keys()) {
  console.log(`| ${name} | ${runs.map((r) => median(r.times.get(name)!).toFixed(1)).join(' | ')} |`);
}
console.log(`\nloadavg at end: ${loadavg()}`);
for (const r of runs) await r.backend.close();

/**
 * One 224×224 VGG no-top image to block5_pool on every backend: warm latency (median), the cold
 * first pass, per-layer times (so the next bottleneck is visible), and cold start of a fresh
 * process from packed weights. Usage: npx nx run bench:single [-- --iterations 7 --model vgg16 --cold 5]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildGraph } from '@vggscope/core';
import { loadInput } from '@vggscope/image';
import { writePacked } from '@vggscope/weights';
import { loadVgg } from '@vggscope/kernels';
import { synthWeights } from '@vggscope/synth-weights';
import { Bench } from 'tinybench';
import { machine, median } from './stats.js';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '7' },
    model: { type: 'string', default: 'vgg16' },
    cold: { type: 'string', default: '5' },
    smoke: { type: 'boolean', default: false },
  },
});
const smoke = values.smoke ?? false;
const model = values.model as 'vgg16' | 'vgg19';
const iterations = smoke ? 1 : Number(values.iterations);
const n = availableParallelism();
const weights = join(tmpdir(), `bench-${model}-notop.vggw`);
if (!existsSync(weights)) await writePacked(weights, buildGraph(model), synthWeights(buildGraph(model), 1));
const input = await loadInput(fileURLToPath(new URL('../../../packages/cli/assets/chelsea.png', import.meta.url)));
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const CONFIGS = [
  { label: `simd, ${n} threads`, backend: 'simd', threads: n, batch: 1 },
  { label: 'simd, 1 thread', backend: 'simd', threads: 1, batch: 1 },
  // The batched engine: one backend, 8 images per pass (U streamed once per chunk of tiles); ms per image.
  { label: `simd, ${n} threads, batch 8 (per image)`, backend: 'simd', threads: n, batch: 8 },
  { label: 'tfjs-wasm', backend: 'tfjs-wasm', threads: 1, batch: 1 },
];
const batchOf = (k: number) => {
  const data = new Float32Array(input.data.length * k);
  for (let i = 0; i < k; i++) data.set(input.data, i * input.data.length);
  return { data, shape: [k, ...input.shape.slice(1)] };
};

console.log(`### Single image, ${model} no-top 224×224 → block5_pool\n`);
console.log(
  `${new Date().toISOString().slice(0, 10)} · ${machine()} · \`npx nx run bench:single\` · load average at start ${loadavg()}\n`,
);
const perLayer = new Map<string, number[]>();
const rows: string[] = [];
for (const c of CONFIGS) {
  const vgg = await loadVgg({ model, weights, backend: c.backend, threads: c.threads });
  const x = c.batch === 1 ? input : batchOf(c.batch);
  let t = performance.now();
  await vgg.extract(x);
  const coldMs = (performance.now() - t) / c.batch;
  const layerMs = new Map<string, number[]>();
  const bench = new Bench({ iterations, time: 0, warmup: false, retainSamples: true });
  bench.add(c.label, async () => {
    let last = 0;
    await vgg.extract(x, {
      onLayer: (layer, ms) => {
        layerMs.set(layer, [...(layerMs.get(layer) ?? []), (ms - last) / c.batch]);
        last = ms;
      },
    });
  });
  await bench.run();
  const samples = ((bench.tasks[0]!.result as { latency: { samples?: number[] } }).latency.samples ?? []).map(
    (ms) => ms / c.batch,
  );
  rows.push(
    `| ${c.label} | **${median(samples).toFixed(0)}** | ${Math.min(...samples).toFixed(0)} | ${Math.max(...samples).toFixed(0)} | ${coldMs.toFixed(0)} |`,
  );
  perLayer.set(c.label, [...layerMs.values()].map(median));
  await vgg.close();
}
console.log(
  `| backend | warm median ms | min | max | first pass ms |\n|---|---:|---:|---:|---:|\n${rows.join('\n')}\n`,
);

const layers = buildGraph(model).layers.slice(1);
console.log(
  `Per layer (median ms, warm):\n\n| # | layer | ${CONFIGS.map((c) => c.label).join(' | ')} |\n|---:|---|${CONFIGS.map(() => '---:').join('|')}|`,
);
layers.forEach((l, i) =>
  console.log(`| ${l.index} | ${l.name} | ${CONFIGS.map((c) => perLayer.get(c.label)![i]!.toFixed(1)).join(' | ')} |`),
);

const colds = smoke ? 1 : Number(values.cold);
const child = fileURLToPath(new URL('./cold-start.js', import.meta.url));
console.log(
  `\nCold start (fresh process → first block5_pool, packed weights; median of ${colds}):\n\n| backend | total ms | of which load | of which first pass | peak RSS MB |\n|---|---:|---:|---:|---:|`,
);
for (const c of CONFIGS.filter((c) => c.batch === 1)) {
  const runs = Array.from(
    { length: colds },
    () =>
      JSON.parse(
        execFileSync(process.execPath, [child, weights, c.backend, String(c.threads)], { encoding: 'utf8' }),
      ) as { ms: number; loadMs: number; passMs: number; peakRssMb: number },
  );
  const m = (k: 'ms' | 'loadMs' | 'passMs' | 'peakRssMb') => median(runs.map((r) => r[k])).toFixed(0);
  console.log(`| ${c.label} | **${m('ms')}** | ${m('loadMs')} | ${m('passMs')} | ${m('peakRssMb')} |`);
}
console.log(`\nload average at end ${loadavg()}`);

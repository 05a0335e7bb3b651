/**
 * One 224×224 VGG16 no-top extraction (block5_pool) on the wasm backend: the number the README
 * quotes. Median of tinybench iterations after a warm-up; plus the cold first pass.
 * Usage: npx nx run bench:single [-- --iterations 7 --model vgg16]
 */
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildGraph, loadInput } from '@vggscope/core';
import { loadVgg } from '@vggscope/kernels';
import { synthWeights, writeLegacyH5 } from '@vggscope/synth-weights';
import { Bench } from 'tinybench';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '7' }, model: { type: 'string', default: 'vgg16' } } });
const model = values.model as 'vgg16' | 'vgg19';
const file = join(tmpdir(), `bench-${model}-notop.h5`);
const graph = buildGraph(model);
await writeLegacyH5(file, graph, synthWeights(graph, 1));
const image = new URL('../../../packages/cli/assets/chelsea.png', import.meta.url).pathname;

let t = performance.now();
const vgg = await loadVgg({ model, weights: file });
const loadMs = performance.now() - t;
const input = await loadInput(image);
t = performance.now();
await vgg.extract(input);
const coldMs = performance.now() - t;

const bench = new Bench({ iterations: Number(values.iterations), time: 0, warmup: false });
bench.add(`${model} block5_pool 224x224`, async () => {
  await vgg.extract(input);
});
await bench.run();
const task = bench.tasks[0]!;
const r = task.result as { latency: { p50?: number; min: number; max: number } };
console.log(`machine: ${cpus().length}× ${cpus()[0]?.model}, node ${process.version}`);
console.log(`weights load (h5, ${model} notop): ${loadMs.toFixed(0)} ms; first (cold) pass: ${coldMs.toFixed(0)} ms`);
console.log(`warm pass: median ${r.latency.p50!.toFixed(0)} ms (min ${r.latency.min.toFixed(0)}, max ${r.latency.max.toFixed(0)}, n=${values.iterations})`);
vgg.dispose();

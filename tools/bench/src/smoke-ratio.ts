/**
 * CI smoke check of the simd kernels' speed (seconds): VGG16 no-top at 64×64, synthetic weights,
 * simd and tfjs-wasm both on one thread in this process (tinybench, medians), printing the ratio.
 * It fails only when simd is slower than 2× tfjs-wasm — a broken kernel or a lost FMA/SIMD build
 * (simd is ~4× faster), never on noise: CI machines are shared, so no absolute timing threshold.
 * Usage: node tools/bench/dist/smoke-ratio.js [--size 64] [--iterations 5]
 */
import { parseArgs } from 'node:util';
import { buildGraph, createVgg, type FloatTensor, resolveVggConfig } from '@vggscope/core';
import { openWeights } from '@vggscope/weights';
import { createBackend } from '@vggscope/kernels';
import { synthWeights } from '@vggscope/synth-weights';
import { Bench } from 'tinybench';
import { machine, median } from './stats.js';

const { values } = parseArgs({
  options: { size: { type: 'string', default: '64' }, iterations: { type: 'string', default: '5' } },
});
const size = Number(values.size);
const weights = synthWeights(buildGraph('vgg16'), 1);
const x: FloatTensor = {
  data: Float32Array.from({ length: size * size * 3 }, (_, i) => 100 * Math.sin(i * 0.37)),
  shape: [1, size, size, 3],
};
const medians = new Map<string, number>();
for (const name of ['simd', 'tfjs-wasm']) {
  const backend = await createBackend(name, { threads: 1 });
  const { config } = resolveVggConfig({ model: 'vgg16', weights, inputSize: [size, size] });
  const vgg = await createVgg(backend, config, { openWeights, ownsBackend: true });
  const bench = new Bench({
    iterations: Number(values.iterations),
    time: 0,
    warmup: true,
    warmupIterations: 1,
    warmupTime: 0,
    retainSamples: true,
  });
  bench.add(name, async () => {
    await vgg.extract(x); // async: tinybench would call a plain function once more, unawaited
  });
  await bench.run();
  const samples = (bench.tasks[0]!.result as { latency: { samples?: number[] } }).latency.samples ?? [];
  medians.set(name, median(samples));
  await vgg.close();
}
const simd = medians.get('simd')!;
const tfjs = medians.get('tfjs-wasm')!;
const ratio = tfjs / simd;
console.log(
  `smoke: vgg16 ${size}×${size} → block5_pool, 1 thread (${machine()}): simd ${simd.toFixed(1)} ms, tfjs-wasm ${tfjs.toFixed(1)} ms → simd is ${ratio.toFixed(2)}× tfjs-wasm's speed`,
);
if (simd > 2 * tfjs) {
  console.error('smoke: simd is more than 2× slower than tfjs-wasm: a kernel or the SIMD/FMA build is broken');
  process.exit(1);
}

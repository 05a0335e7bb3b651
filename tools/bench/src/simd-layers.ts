/**
 * Per-layer speed of our simd kernels against tfjs-wasm's `tf.fused.conv2d` (XNNPACK, one thread
 * in Node), every VGG16 conv at 224×224 with random weights, then the whole 13-conv stack (with the
 * pools: block5_pool). Medians of tinybench iterations; /proc/loadavg at start and end, because
 * this machine is shared: compare numbers within one run only, and re-run when the load is high.
 * Before each case it waits (up to 10 s) for a moment when the cores were ≥ 90 % idle over
 * 0.4 s, and prints that fraction, so that a run can be judged. Medians and minima of wall time
 * are printed, and the median process CPU time (for one thread: its time on an idle core).
 * Usage: node tools/bench/dist/simd-layers.js [--iterations 5] [--threads 2] [--layers block3_conv2,…]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { buildGraph, type FloatTensor, type GraphLayer, sizeOf } from '@vggscope/core';
import { createSimdBackend, type SimdBackend } from '@vggscope/kernels/simd';
import { Bench } from 'tinybench';
import { loadavg, machine, median } from './stats.js';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
    layers: { type: 'string' },
  },
});
const iterations = Number(values.iterations);
const maxThreads = Number(values.threads);

function random(shape: readonly number[], scale: number, seed: number): FloatTensor {
  let s = seed >>> 0;
  const n = sizeOf(shape);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return { data, shape: [...shape] };
}

/** Fraction of CPU time the whole machine spent idle over `ms`, from /proc/stat. */
async function idleFraction(ms: number): Promise<number> {
  const sample = (): [number, number] => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return [f[3]! + f[4]!, f.reduce((a, b) => a + b, 0)];
  };
  const [i0, t0] = sample();
  await new Promise((r) => setTimeout(r, ms));
  const [i1, t1] = sample();
  return (i1 - i0) / Math.max(1, t1 - t0);
}

const idleSeen: number[] = [];
async function waitIdle(): Promise<void> {
  const until = Date.now() + 10_000;
  let f = await idleFraction(400);
  while (f < 0.9 && Date.now() < until) f = await idleFraction(400);
  idleSeen.push(f);
}

const minima: number[] = [];
const cpuTimes: number[] = [];
/**
 * Median wall time of `fn` by tinybench; also records its minimum and the median process CPU time
 * of a few more calls: for one thread that is the time it would take on an idle core, robust to
 * other processes on this shared machine (for N threads it is the sum over threads).
 */
async function time(fn: () => unknown): Promise<number> {
  const cpu: number[] = [];
  for (let i = 0; i < 3; i++) {
    const c = process.cpuUsage();
    await fn();
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  cpuTimes.push(median(cpu));
  await waitIdle();
  const bench = new Bench({ iterations, time: 0, warmup: true, warmupIterations: 1, warmupTime: 0 });
  bench.add('case', async () => {
    await fn();
  });
  await bench.run();
  const r = bench.tasks[0]!.result as { latency: { samples?: number[]; p50?: number; min: number } };
  minima.push(r.latency.min);
  return r.latency.samples?.length ? median(r.latency.samples) : r.latency.p50!;
}

console.log(`machine: ${machine()}`);
console.log(`loadavg at start: ${loadavg()}`);
if (!(await tf.setBackend('wasm'))) throw new Error('simd-layers: the tfjs wasm backend failed to initialise');
await tf.ready();
const graph = buildGraph('vgg16');
const convs = graph.layers.filter(
  (l) => l.spec.kind === 'conv' && (!values.layers || values.layers.split(',').includes(l.name)),
);
const weights = new Map(
  convs.map((l, i) => {
    const [, , cin, cout] = l.weights[0]!.shape as [number, number, number, number];
    return [
      l.name,
      { kernel: random([3, 3, cin, cout], Math.sqrt(3 / (9 * cin)), 2 * i + 1), bias: random([cout], 0.1, 2 * i + 2) },
    ];
  }),
);
const threadCounts = [...new Set([1, maxThreads])];
const backends: SimdBackend[] = [];
for (const threads of threadCounts) backends.push(await createSimdBackend({ threads }));
console.log(
  `simd build: ${backends[0]!.arithmetic}; threads ${threadCounts.join(', ')}; ${iterations} iterations, medians in ms\n`,
);

const header = [
  'layer',
  'input',
  'tfjs-wasm',
  ...threadCounts.map((t) => `simd ${t}T`),
  ...threadCounts.map((t) => `× tfjs ${t}T`),
  'idle',
  'minima',
  'cpu ms',
  '× tfjs cpu 1T',
];
console.log(header.join('\t'));
const totals = new Array<number>(1 + threadCounts.length).fill(0);
const cpuTotals = new Array<number>(1 + threadCounts.length).fill(0);
for (const layer of convs) {
  const w = weights.get(layer.name)!;
  const x = random([1, ...layer.inputShape], 1, 99);
  const tx = tf.tensor4d(x.data, x.shape as [number, number, number, number]);
  const tk = tf.tensor4d(w.kernel.data, w.kernel.shape as [number, number, number, number]);
  const tb = tf.tensor1d(w.bias.data);
  const tfMs = await time(() => {
    const y = tf.fused.conv2d({ x: tx, filter: tk, bias: tb, strides: 1, pad: 'same', activation: 'relu' });
    y.dataSync();
    y.dispose();
  });
  tf.dispose([tx, tk, tb]);
  const ours: number[] = [];
  for (const b of backends) {
    const prepared = await b.prepareLayer(layer, w);
    const xi = await b.input(x);
    ours.push(await time(async () => b.dispose(await b.conv2dRelu(xi, prepared))));
    b.dispose(xi);
    b.disposeLayer(prepared);
  }
  [tfMs, ...ours].forEach((v, i) => (totals[i]! += v));
  const idle = Math.min(...idleSeen.splice(0));
  const mins = minima
    .splice(0)
    .map((v) => v.toFixed(1))
    .join('/');
  const cpu = cpuTimes.splice(0);
  cpu.forEach((v, i) => (cpuTotals[i]! += v));
  console.log(
    [
      layer.name,
      layer.inputShape.join('×'),
      tfMs.toFixed(1),
      ...ours.map((v) => v.toFixed(1)),
      ...ours.map((v) => (tfMs / v).toFixed(2)),
      idle.toFixed(2),
      mins,
      cpu.map((v) => v.toFixed(1)).join('/'),
      (cpu[0]! / cpu[1]!).toFixed(2),
    ].join('\t'),
  );
}
console.log(
  [
    'sum',
    '',
    ...totals.map((v) => v.toFixed(1)),
    ...totals.slice(1).map((v) => (totals[0]! / v).toFixed(2)),
    '',
    '',
    cpuTotals.map((v) => v.toFixed(0)).join('/'),
    (cpuTotals[0]! / cpuTotals[1]!).toFixed(2),
  ].join('\t'),
);

if (!values.layers) {
  // The whole stack as one chain, input → block5_pool, each engine with its weights prepared once.
  const input = random([1, 224, 224, 3], 100, 7);
  const stack = graph.layers.filter((l) => l.spec.kind === 'conv' || l.spec.kind === 'pool');
  const tfWeights = new Map(
    convs.map((l) => [
      l.name,
      {
        k: tf.tensor4d(
          weights.get(l.name)!.kernel.data,
          weights.get(l.name)!.kernel.shape as [number, number, number, number],
        ),
        b: tf.tensor1d(weights.get(l.name)!.bias.data),
      },
    ]),
  );
  const tfMs = await time(() => {
    const out = tf.tidy(() => {
      let x: tf.Tensor4D = tf.tensor4d(input.data, [1, 224, 224, 3]);
      for (const l of stack) {
        const w = tfWeights.get(l.name);
        x = w
          ? tf.fused.conv2d({ x, filter: w.k as tf.Tensor4D, bias: w.b, strides: 1, pad: 'same', activation: 'relu' })
          : tf.maxPool(x, 2, 2, 'valid');
      }
      return x;
    });
    out.dataSync();
    out.dispose();
  });
  const ours: number[] = [];
  for (const b of backends) ours.push(await time(await stackRunner(b, stack, input)));
  console.log(
    `\nwhole 13-conv stack to block5_pool (224×224), medians (minima ${minima
      .splice(0)
      .map((v) => v.toFixed(0))
      .join('/')} ms; ` +
      `idle before each: ${idleSeen
        .splice(0)
        .map((v) => v.toFixed(2))
        .join('/')}): tfjs-wasm ${tfMs.toFixed(0)} ms; ` +
      threadCounts.map((t, i) => `simd ${t}T ${ours[i]!.toFixed(0)} ms (${(tfMs / ours[i]!).toFixed(2)}×)`).join('; ') +
      `; CPU time tfjs/${threadCounts.map((t) => `${t}T`).join('/')} ${cpuTimes.map((v) => v.toFixed(0)).join('/')} ms` +
      ` (1T ${(cpuTimes[0]! / cpuTimes[1]!).toFixed(2)}× less than tfjs)` +
      (ours.length > 1 ? `; ${threadCounts.at(-1)}T vs 1T ${(ours[0]! / ours.at(-1)!).toFixed(2)}×` : ''),
  );
}
console.log(`loadavg at end: ${loadavg()}`);
for (const b of backends) await b.close();

async function stackRunner(b: SimdBackend, stack: GraphLayer[], input: FloatTensor): Promise<() => Promise<void>> {
  const prepared = new Map<string, Awaited<ReturnType<SimdBackend['prepareLayer']>>>();
  for (const l of stack)
    if (l.spec.kind === 'conv') prepared.set(l.name, await b.prepareLayer(l, weights.get(l.name)!));
  return async () => {
    let x = await b.input(input);
    for (const l of stack) {
      const y = l.spec.kind === 'conv' ? await b.conv2dRelu(x, prepared.get(l.name)!) : await b.maxPool2x2(x);
      b.dispose(x);
      x = y;
    }
    await b.read(x);
    b.dispose(x);
  };
}

/**
 * The per-layer table behind the simd backend's algorithm plan: every VGG16 conv (or those named)
 * at one input size, each algorithm (Winograd F(6×6), F(4×4), F(2×2), im2col), batch 1 and batch 8, on
 * 1 and N threads: median ms per image and the prepared weights' size. Random weights; one process,
 * cases interleaved per iteration so that load swings hit every case alike; /proc/loadavg printed.
 * Usage: node tools/bench/dist/conv-plan.js [--size 224] [--iterations 7] [--threads 2] [--layers block5_conv1,…] [--batches 1,8]
 *   [--algorithms winograd6,winograd,winograd2,im2col]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildGraph, type GraphLayer } from '@vggscope/core';
import { createSimdBackend, type ConvAlgorithm, type SimdBackend } from '@vggscope/kernels/simd';
import { machine, median } from './stats.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '224' },
    iterations: { type: 'string', default: '7' },
    threads: { type: 'string', default: '2' },
    layers: { type: 'string' },
    batches: { type: 'string', default: '1,8' },
    model: { type: 'string', default: 'vgg16' },
    algorithms: { type: 'string' },
  },
});
const size = Number(values.size);
const algorithms = (values.algorithms ?? 'winograd6,winograd,winograd2,im2col').split(',') as ConvAlgorithm[];
const threadCounts = [...new Set([1, Number(values.threads)])];
const batches = values.batches!.split(',').map(Number);
const graph = buildGraph(values.model!, { inputSize: [size, size] });
const wanted = values.layers?.split(',');
const convs = graph.layers.filter((l) => l.spec.kind === 'conv' && (!wanted || wanted.includes(l.name)));
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function random(n: number, scale: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return a;
}

console.log(`### Conv algorithms per layer, ${values.model} ${size}×${size}\n`);
console.log(
  `${new Date().toISOString().slice(0, 10)} · ${machine()} · \`node tools/bench/dist/conv-plan.js${process.argv.slice(2).length ? ' ' + process.argv.slice(2).join(' ') : ''}\` · load average at start ${loadavg()}\n`,
);
const backends = new Map<string, SimdBackend>();
for (const a of algorithms) {
  for (const t of threadCounts) backends.set(`${a}/${t}`, await createSimdBackend({ threads: t, convAlgorithm: a }));
}
const header = batches.flatMap((b) => threadCounts.map((t) => `b${b} ${t}T ms/img`));
console.log(`| layer | algorithm | weights MiB | ${header.join(' | ')} |`);
console.log(`|---|---|---:|${header.map(() => '---:').join('|')}|`);
for (const layer of convs) {
  const [h, w, cin] = layer.inputShape as [number, number, number];
  const cout = layer.outputShape[2]!;
  const weights = {
    kernel: { data: random(9 * cin * cout, Math.sqrt(6 / (9 * cin)), 1), shape: [3, 3, cin, cout] },
    bias: { data: random(cout, 0.1, 2), shape: [cout] },
  };
  const samples = new Map<string, number[]>();
  const prepared = new Map<string, unknown>();
  for (const [key, b] of backends) {
    if (key.startsWith('im2col') && cin >= 8 && h * w > 56 * 56) continue; // far slower on big maps: skip
    prepared.set(key, await b.prepareLayer(layer as GraphLayer, weights));
  }
  const inputs = new Map<number, Float32Array>(batches.map((n) => [n, random(n * h * w * cin, 1, 3)]));
  for (let it = -1; it < Number(values.iterations); it++) {
    for (const [key, p] of prepared) {
      const b = backends.get(key)!;
      for (const n of batches) {
        const x = await b.input({ data: inputs.get(n)!, shape: [n, h, w, cin] });
        const t0 = performance.now();
        const y = await b.conv2dRelu(x, p as never);
        const ms = (performance.now() - t0) / n;
        b.dispose(y);
        b.dispose(x);
        if (it >= 0) samples.set(`${key}/${n}`, [...(samples.get(`${key}/${n}`) ?? []), ms]);
      }
    }
  }
  for (const a of algorithms) {
    if (!prepared.has(`${a}/1`)) continue;
    const positions = { winograd6: 64, winograd: 36, winograd2: 16, im2col: 9 }[a];
    const mib = (positions * Math.ceil(cin / 8) * 8 * Math.ceil(cout / 8) * 8 * 4) / 2 ** 20;
    const cells = batches.flatMap((n) => threadCounts.map((t) => median(samples.get(`${a}/${t}/${n}`)!).toFixed(1)));
    console.log(`| ${layer.name} | ${a} | ${mib.toFixed(1)} | ${cells.join(' | ')} |`);
  }
  for (const [key, p] of prepared) backends.get(key)!.disposeLayer(p as never);
}
for (const b of backends.values()) await b.close();
console.log(`\nload average at end ${loadavg()}`);

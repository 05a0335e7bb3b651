/**
 * VGG16 (or VGG19) no-top at 224×224, input → block5_pool, batch 1: our simd backend on 1 and 2
 * threads against native onnxruntime-node (its default threads), same synthetic weights, in one
 * process. Each round waits for a 0.4 s window with the cores ≥ 85 % idle (this machine is shared)
 * and runs onnxruntime last: its thread pool spins after a run and would slow whatever comes next.
 * onnxruntime-node is not a dependency of the repo: install it beside the repo or pass --ort-from
 * (`ONNXRUNTIME_NODE_INSTALL=skip npm i onnxruntime-node` in that folder; the CPU binary ships in the package).
 * `--batch 8`: both run 8 images per pass (simd: one engine, one copy of the weights, U streamed once
 * per chunk of tiles); times are per batch. `--min-idle`: the idle fraction a round waits for.
 * Usage: node tools/bench/dist/simd-vs-ort.js [--rounds 8] [--model vgg16] [--batch 1] [--min-idle 0.85] [--ort-from /tmp/ort]
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildGraph, type FloatTensor } from '@vggscope/core';
import { createSimdBackend, type SimdBackend } from '@vggscope/kernels/simd';
import { synthWeights } from '@vggscope/synth-weights';
import { vggToOnnx } from './onnx-writer.js';
import { machine, median } from './stats.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '8' },
    model: { type: 'string', default: 'vgg16' },
    batch: { type: 'string', default: '1' },
    'min-idle': { type: 'string', default: '0.85' },
    'ort-from': { type: 'string', default: process.cwd() },
  },
});
const model = values.model as 'vgg16' | 'vgg19';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let ort: any;
try {
  ort = createRequire(join(values['ort-from']!, 'package.json'))('onnxruntime-node');
} catch (e) {
  console.error(
    `simd-vs-ort: onnxruntime-node not found from ${values['ort-from']} (${(e as Error).message}); see the usage note`,
  );
  process.exit(2);
}

function idleFraction(ms: number): Promise<number> {
  const sample = (): [number, number] => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return [f[3]! + f[4]!, f.reduce((a, b) => a + b, 0)];
  };
  const [i0, t0] = sample();
  return new Promise((resolve) =>
    setTimeout(() => {
      const [i1, t1] = sample();
      resolve((i1 - i0) / Math.max(1, t1 - t0));
    }, ms),
  );
}

const graph = buildGraph(model);
const weights = synthWeights(graph, 1);
const batch = Number(values.batch);
const input: FloatTensor = {
  data: Float32Array.from({ length: batch * 224 * 224 * 3 }, (_, i) => 100 * Math.sin(i * 0.37)),
  shape: [batch, 224, 224, 3],
};
const session = await ort.InferenceSession.create(vggToOnnx(graph, weights));
const nchw = new Float32Array(input.data.length);
const runOrt = async (): Promise<void> => {
  await session.run({ input: new ort.Tensor('float32', nchw, [batch, 3, 224, 224]) });
};

async function simdPass(threads: number): Promise<[() => Promise<void>, SimdBackend]> {
  const b = await createSimdBackend({ threads });
  const prepared = new Map<string, unknown>();
  for (const l of graph.layers) {
    const w = weights.layers.get(l.name);
    if (w) prepared.set(l.name, await b.prepareLayer(l, w));
  }
  const run = async (): Promise<void> => {
    let x = await b.input(input);
    for (const l of graph.layers.slice(1)) {
      const y = l.spec.kind === 'conv' ? await b.conv2dRelu(x, prepared.get(l.name) as never) : await b.maxPool2x2(x);
      b.dispose(x);
      x = y;
    }
    await b.read(x);
    b.dispose(x);
  };
  return [run, b];
}

const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').trim();
console.log(`machine: ${machine()}\nloadavg at start: ${loadavg()}`);
const [one, b1] = await simdPass(1);
const [two, b2] = await simdPass(2);
for (const f of [two, one, runOrt, two, one, runOrt]) await f(); // warm-up
const times: Record<'simd2' | 'simd1' | 'ort', number[]> = { simd2: [], simd1: [], ort: [] };
const until = Date.now() + 300_000;
while (times.ort.length < Number(values.rounds) && Date.now() < until) {
  const idle = await idleFraction(400);
  if (idle < Number(values['min-idle'])) continue;
  for (const [k, f] of [
    ['simd2', two],
    ['simd1', one],
    ['ort', runOrt],
  ] as const) {
    const t = performance.now();
    await f();
    times[k].push(performance.now() - t);
  }
  console.log(
    `idle ${idle.toFixed(2)}: simd 2T ${times.simd2.at(-1)!.toFixed(0)} ms, simd 1T ${times.simd1.at(-1)!.toFixed(0)} ms, onnxruntime-node ${times.ort.at(-1)!.toFixed(0)} ms`,
  );
}
const m = { simd2: median(times.simd2), simd1: median(times.simd1), ort: median(times.ort) };
console.log(
  `${model} no-top 224² batch ${batch}, ms per batch, medians of ${times.ort.length} rounds: simd 1T ${m.simd1.toFixed(0)} ms, simd 2T ${m.simd2.toFixed(0)} ms ` +
    `(${(m.simd1 / m.simd2).toFixed(2)}× 1T), onnxruntime-node ${m.ort.toFixed(0)} ms (simd 2T is ${(m.ort / m.simd2).toFixed(2)}× its speed)`,
);
console.log(`loadavg at end: ${loadavg()}`);
await b1.close();
await b2.close();

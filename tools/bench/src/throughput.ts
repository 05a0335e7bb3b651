/**
 * Throughput of VGG16/VGG19 no-top against the alternatives a user would pick, in the same run:
 * the engine on each backend (simd on 1 and N threads, tfjs-wasm; batch 1 and batch 8, pools),
 * hand-written tfjs ops (the tfjs-wasm backend's floor), tfjs-layers `model.predict` on wasm,
 * onnxruntime-web (wasm, its own threads) and native onnxruntime-node on the same weights
 * exported to ONNX. Each case runs in a fresh process; cases are interleaved round by
 * round; medians are quoted. Usage: npx nx run bench:throughput [-- --rounds 2 --iterations 3 --smoke]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildGraph } from '@vggscope/core';
import { writePacked } from '@vggscope/weights';
import { synthWeights } from '@vggscope/synth-weights';
import { vggToOnnx } from './onnx-writer.js';
import { machine, median } from './stats.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    iterations: { type: 'string', default: '3' },
    models: { type: 'string', default: 'vgg16,vgg19' },
    smoke: { type: 'boolean', default: false },
  },
});
const smoke = values.smoke ?? false;
const size: [number, number] = smoke ? [32, 32] : [224, 224];
const rounds = smoke ? 1 : Number(values.rounds);
const iterations = smoke ? 1 : Number(values.iterations);
const models = smoke ? ['vgg16'] : values.models!.split(',');
const n = availableParallelism();
const dir = join(tmpdir(), 'vggscope-bench');
await mkdir(dir, { recursive: true });
const child = fileURLToPath(new URL('./throughput-case.js', import.meta.url));

interface Case {
  id: string;
  label: string;
  kind: string;
  batch: number;
  workers?: number;
  backend?: string;
  threads?: number;
  /** Pool cases: images per task (default 1: one image per worker at a time). */
  perTask?: number;
}
const CASES: Case[] = [
  {
    id: 'tfjs-1',
    label: 'vggscope tfjs-wasm backend, batch 1, 1 thread',
    kind: 'engine',
    batch: 1,
    backend: 'tfjs-wasm',
    threads: 1,
  },
  {
    id: 'simd-1t',
    label: 'vggscope simd backend, batch 1, 1 thread',
    kind: 'engine',
    batch: 1,
    backend: 'simd',
    threads: 1,
  },
  {
    id: 'simd-nt',
    label: `vggscope simd backend, batch 1, ${n} threads`,
    kind: 'engine',
    batch: 1,
    backend: 'simd',
    threads: n,
  },
  { id: 'tfl-1', label: 'tfjs-layers model.predict (wasm), batch 1', kind: 'tfjs-layers', batch: 1 },
  { id: 'ort-1', label: `onnxruntime-web (wasm, ${n} threads), batch 1`, kind: 'ort', batch: 1, workers: n },
  { id: 'ortn-1', label: 'onnxruntime-node (native, default threads), batch 1', kind: 'ort-node', batch: 1 },
  {
    id: 'simd-pool1-8',
    label: 'vggscope simd pool, batch 8, 1 worker × 1 thread',
    kind: 'pool',
    batch: 8,
    workers: 1,
    backend: 'simd',
    threads: 1,
  },
  {
    id: 'simd-poolN-8',
    label: `vggscope simd pool, batch 8, ${n} workers × 1 thread`,
    kind: 'pool',
    batch: 8,
    workers: n,
    backend: 'simd',
    threads: 1,
  },
  {
    id: 'simd-pool1N-8',
    label: `vggscope simd pool, batch 8, 1 worker × ${n} threads, 4 images per task`,
    kind: 'pool',
    batch: 8,
    workers: 1,
    backend: 'simd',
    threads: n,
    perTask: 4,
  },
  {
    id: 'simd-nt-8',
    label: `vggscope simd backend, batch 8 in one engine, ${n} threads`,
    kind: 'engine',
    batch: 8,
    backend: 'simd',
    threads: n,
  },
  {
    id: 'tfjs-poolN-8',
    label: `vggscope tfjs-wasm pool, batch 8, ${n} workers`,
    kind: 'pool',
    batch: 8,
    workers: n,
    backend: 'tfjs-wasm',
    threads: 1,
  },
  { id: 'tfl-8', label: 'tfjs-layers model.predict (wasm), batch 8', kind: 'tfjs-layers', batch: 8 },
  { id: 'ort-8', label: `onnxruntime-web (wasm, ${n} threads), batch 8`, kind: 'ort', batch: 8, workers: n },
  { id: 'ortn-8', label: 'onnxruntime-node (native, default threads), batch 8', kind: 'ort-node', batch: 8 },
];

const sections: string[] = [];
for (const model of models) {
  const graph = buildGraph(model, { inputSize: size });
  const weights = join(dir, `${model}-notop-bench.vggw`);
  const onnx = join(dir, `${model}-notop-${size[0]}x${size[1]}.onnx`);
  const w = synthWeights(buildGraph(model), 1);
  if (!existsSync(weights)) await writePacked(weights, buildGraph(model), w);
  writeFileSync(onnx, vggToOnnx(graph, w)); // regenerated each run, kept out of git
  const results = new Map<string, { samples: number[]; rss: number[]; setup: number[] }>(
    CASES.map((c) => [c.id, { samples: [], rss: [], setup: [] }]),
  );
  const overhead = { engine: [] as number[], raw: [] as number[] };
  const loads: string[] = [];
  for (let r = 0; r < rounds; r++) {
    loads.push(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!);
    const o = JSON.parse(
      execFileSync(
        process.execPath,
        [child, 'overhead', model, String(size[0]), String(size[1]), '1', String(iterations * 3), weights, onnx],
        { encoding: 'utf8' },
      ),
    ) as { samples: number[]; raw: number[] };
    overhead.engine.push(...o.samples);
    overhead.raw.push(...o.raw);
    for (const c of CASES) {
      const args = [
        child,
        c.kind,
        model,
        String(size[0]),
        String(size[1]),
        String(c.batch),
        String(iterations),
        weights,
        onnx,
        String(c.workers ?? 1),
        c.backend ?? '',
        String(c.threads ?? ''),
        String(c.perTask ?? 1),
      ];
      const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
      const res = JSON.parse(out) as { samples: number[]; setupMs: number; peakRssMb: number };
      const slot = results.get(c.id)!;
      slot.samples.push(...res.samples);
      slot.rss.push(res.peakRssMb);
      slot.setup.push(res.setupMs);
      process.stderr.write(`${model} ${c.id} round ${r + 1}: ${median(res.samples).toFixed(0)} ms\n`);
    }
  }
  loads.push(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!);
  const find = (id: string) => CASES.find((c) => c.id === id)!;
  const ms = (id: string) => median(results.get(id)!.samples);
  const ips = (c: Case) => (c.batch * 1000) / ms(c.id);
  const ratio = (a: string, b: string) => ips(find(a)) / ips(find(b));
  const sameBatch = (c: Case, kind: string) => CASES.find((b) => b.batch === c.batch && b.kind === kind)!;
  const rows = CASES.map(
    (c) =>
      `| ${c.label} | ${ms(c.id).toFixed(0)} | ${ips(c).toFixed(2)} | ${(ips(c) / ips(sameBatch(c, 'tfjs-layers'))).toFixed(2)}× | ${(ips(c) / ips(sameBatch(c, 'ort'))).toFixed(2)}× | ${(ips(c) / ips(sameBatch(c, 'ort-node'))).toFixed(2)}× | ${Math.max(...results.get(c.id)!.rss).toFixed(0)} | ${median(results.get(c.id)!.setup).toFixed(0)} |`,
  );
  sections.push(`#### ${model} no-top, ${size[0]}×${size[1]} (1-minute load average at each round: ${loads.join(', ')})

| case | median ms / batch | img/s | vs tfjs-layers | vs onnxruntime-web | vs onnxruntime-node | peak RSS MB | setup ms |
|---|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

- simd, one thread vs tfjs-wasm at batch 1: **${ratio('simd-1t', 'tfjs-1').toFixed(2)}×** (target ≥ 4×).
- simd, one image on ${n} threads vs one thread: **${ratio('simd-nt', 'simd-1t').toFixed(2)}×** (target ≥ 1.8×).
- simd batch-1 latency vs onnxruntime-node: **${ms('simd-nt').toFixed(0)} vs ${ms('ortn-1').toFixed(0)} ms** (target ≤); batch-8 throughput, one engine (one copy of the weights) vs onnxruntime-node: **${ips(find('simd-nt-8')).toFixed(2)} vs ${ips(find('ortn-8')).toFixed(2)} img/s** (target ≥; ${n} single-thread workers: ${ips(find('simd-poolN-8')).toFixed(2)}).
- simd pool, ${n} workers vs 1 at batch 8: ${ratio('simd-poolN-8', 'simd-pool1-8').toFixed(2)}×; peak RSS at batch 1: simd ${Math.max(...results.get('simd-nt')!.rss).toFixed(0)} MB (target ≤ ${model === 'vgg19' ? 350 : 300}), tfjs-wasm ${Math.max(...results.get('tfjs-1')!.rss).toFixed(0)} MB, onnxruntime-node ${Math.max(...results.get('ortn-1')!.rss).toFixed(0)} MB; at batch 8: one engine ${Math.max(...results.get('simd-nt-8')!.rss).toFixed(0)} MB, 1 worker × ${n} threads with 4-image tasks ${Math.max(...results.get('simd-pool1N-8')!.rss).toFixed(0)} MB (${ips(find('simd-pool1N-8')).toFixed(2)} img/s), ${n} workers ${Math.max(...results.get('simd-poolN-8')!.rss).toFixed(0)} MB (target ≤ 500 for VGG16).
- engine overhead over hand-written tfjs ops (tfjs-wasm backend) at batch 1, alternating in one process: median ${median(overhead.engine).toFixed(0)} vs ${median(overhead.raw).toFixed(0)} ms → ${((median(overhead.engine) / median(overhead.raw) - 1) * 100).toFixed(1)}%.`);
}
console.log(`### Throughput${smoke ? ' (smoke run: tiny input, numbers meaningless)' : ''}

${new Date().toISOString().slice(0, 10)} · ${machine()} · \`npx nx run bench:throughput${smoke ? ' -- --smoke' : ''}\` · synthetic weights · each case in a fresh process (tinybench: one warm-up pass, then the timed batches), ${rounds} interleaved round(s) × ${iterations} timed batches, medians.

${sections.join('\n\n')}
`);

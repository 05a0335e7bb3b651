/**
 * Large inputs on the default backend: VGG16/VGG19 no-top at sizes up to the README's 2048², one
 * fresh process per size (so peak RSS is that size's own), synthetic packed weights, one image to
 * block5_pool. Usage: node tools/bench/dist/large-input.js [--model vgg16] [--sizes 224,896,1344,2048] [--threads 2]
 * Child mode (internal): node large-input.js --child <weights> <model> <size> <threads>
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildGraph } from '@vggscope/core';
import { writePacked } from '@vggscope/weights';
import { loadVgg } from '@vggscope/kernels';
import { synthWeights } from '@vggscope/synth-weights';
import { machine } from './stats.js';

if (process.argv[2] === '--child') {
  const [weights, model, sizeArg, threads] = process.argv.slice(3) as [string, string, string, string];
  const size = Number(sizeArg);
  const t0 = performance.now();
  const vgg = await loadVgg({ model, weights, inputSize: [size, size], threads: Number(threads) });
  const t1 = performance.now();
  const x = new Float32Array(size * size * 3);
  for (let i = 0; i < x.length; i++) x[i] = 100 * Math.sin(i * 0.37);
  const [out] = await vgg.extract({ data: x, shape: [1, size, size, 3] });
  const t2 = performance.now();
  let finite = true;
  for (const v of out!.data) if (!Number.isFinite(v)) finite = false;
  await vgg.close();
  process.stdout.write(
    JSON.stringify({
      loadMs: t1 - t0,
      passMs: t2 - t1,
      shape: out!.shape,
      finite,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'vgg16' },
    sizes: { type: 'string', default: '224,896,1344,2048' },
    threads: { type: 'string', default: String(availableParallelism()) },
  },
});
const model = values.model!;
const weights = join(tmpdir(), `bench-${model}-notop.vggw`);
if (!existsSync(weights)) await writePacked(weights, buildGraph(model), synthWeights(buildGraph(model), 1));
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`### Large inputs, ${model} no-top → block5_pool, simd backend (default), ${values.threads} threads\n`);
console.log(
  `${new Date().toISOString().slice(0, 10)} · ${machine()} · \`node tools/bench/dist/large-input.js --model ${model}\` · load average at start ${loadavg()}\n`,
);
console.log('| input | load ms | pass ms | output | peak RSS MB |\n|---|---:|---:|---|---:|');
const self = fileURLToPath(import.meta.url);
for (const size of values.sizes!.split(',').map(Number)) {
  try {
    const r = JSON.parse(
      execFileSync(process.execPath, [self, '--child', weights, model, String(size), values.threads!], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ) as { loadMs: number; passMs: number; shape: number[]; finite: boolean; peakRssMb: number };
    console.log(
      `| ${size}×${size} | ${r.loadMs.toFixed(0)} | ${r.passMs.toFixed(0)} | [${r.shape.join(', ')}]${r.finite ? '' : ' (non-finite values!)'} | ${r.peakRssMb.toFixed(0)} |`,
    );
  } catch (e) {
    const err = (e as { stderr?: string }).stderr ?? String(e);
    console.log(
      `| ${size}×${size} | failed: ${err.split('\n').find((l) => l.includes('E_')) ?? err.slice(0, 200)} | | | |`,
    );
  }
}
console.log(`\nload average at end ${loadavg()}`);

/**
 * Load time of VGG16 no-top weights: packed .vggw vs the Keras .h5 vs a raw read of the same bytes,
 * plus the float16 accuracy cost. Every load runs in a fresh process, as a CLI run does: fresh
 * memory has to be page-faulted in (costly on this VM), so timing repeated loads in one process
 * mostly measures whether the allocator happened to reuse freed pages.
 * Usage: npx nx run bench:weights [-- --runs 15 --smoke]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildGraph } from '@vggscope/core';
import { loadInput } from '@vggscope/image';
import { writePacked } from '@vggscope/weights';
import { loadVgg } from '@vggscope/kernels';
import { synthWeights, writeLegacyH5 } from '@vggscope/synth-weights';
import { relativeL2 as relL2 } from '@vggscope/test-utils';
import { machine, median } from './stats.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '15' }, smoke: { type: 'boolean', default: false } },
});
const runs = values.smoke ? 1 : Number(values.runs);

const dir = join(tmpdir(), 'vggscope-bench');
await mkdir(dir, { recursive: true });
const graph = buildGraph('vgg16');
const h5 = join(dir, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5');
const packed = join(dir, 'vgg16-notop.vggw');
const packed16 = join(dir, 'vgg16-notop.f16.vggw');
const weights = synthWeights(graph, 1);
if (!existsSync(h5)) await writeLegacyH5(h5, graph, weights);
await writePacked(packed, graph, weights);
await writePacked(packed16, graph, weights, { dtype: 'f16' });

// Each load runs in a fresh process, interleaved across rows every round.
const child = fileURLToPath(new URL('./load-once.js', import.meta.url));
const tasks: [name: string, args: string[]][] = [
  ['h5 (h5wasm, incl. its module init), all layers', ['h5', h5]],
  ['packed f32, all layers', ['packed', packed]],
  ['raw read of the same bytes (positioned reads, no parsing)', ['raw', packed]],
  ['packed f16 → f32, all layers', ['packed', packed16]],
  ['packed f32, block1_conv1 only', ['packed', packed, 'block1_conv1']],
  ['h5, block1_conv1 only', ['h5', h5, 'block1_conv1']],
];
const samples = new Map<string, number[]>(tasks.map(([n]) => [n, []]));
for (let r = 0; r < runs; r++) {
  for (const [name, args] of tasks) {
    const out = execFileSync(process.execPath, [child, ...args], { encoding: 'utf8' });
    samples.get(name)!.push((JSON.parse(out) as { ms: number }).ms);
  }
}
const ms = (n: string) => median(samples.get(n)!);
const h5Ms = ms(tasks[0]![0]);
const rawMs = ms(tasks[2]![0]);
const rows = tasks.map(
  ([n]) => `| ${n} | ${ms(n).toFixed(1)} | ${(h5Ms / ms(n)).toFixed(1)}× | ${(ms(n) / rawMs).toFixed(2)}× |`,
);

// float16 accuracy cost: the same image through f32 and f16 weights.
const input = await loadInput(fileURLToPath(new URL('../../../packages/cli/assets/chelsea.png', import.meta.url)));
const outputs = async (w: string) => {
  const m = await loadVgg({ model: 'vgg16', weights: w });
  const out = await m.extract(input, { layers: ['block1_conv2', 'block3_pool', 'block5_pool'] });
  m.dispose();
  return out;
};
const [f32, f16] = [await outputs(packed), await outputs(packed16)];
const acc = f32.map((o, i) => `| ${o.layer} | ${relL2(f16[i]!.data, o.data).toExponential(2)} |`);
const sizes = [(await stat(h5)).size, (await stat(packed)).size, (await stat(packed16)).size].map((b) =>
  (b / 2 ** 20).toFixed(1),
);

console.log(`### Weight loading, VGG16 no-top (synthetic weights in the official layout)

${new Date().toISOString().slice(0, 10)} · ${machine()} · \`npx nx run bench:weights\` · each load in a fresh Node process (as one CLI run), ${runs} runs per row interleaved across rows, median, files in the page cache.
Sizes: .h5 ${sizes[0]} MiB, packed f32 ${sizes[1]} MiB, packed f16 ${sizes[2]} MiB.

| load | median ms | speed-up vs h5 | vs raw read |
|---|---:|---:|---:|
${rows.join('\n')}

float16 storage cost (relative L2 error of the features vs f32 weights, one 224×224 photo):

| layer | relative L2 |
|---|---:|
${acc.join('\n')}
`);

/**
 * One input gradient of VGG16 224² (forward + reverse pass through all 13 convs; objective: the mean
 * of one block5_pool filter) against our forward pass to block5_pool, on the simd backend, in one
 * run; the peak RSS of each in a fresh process; and PyTorch's CPU autograd (2 threads) on the same
 * network where python3-torch is installed. Opt-in, never part of `npm test`.
 * Usage: npx nx run bench:gradient [-- --iterations 5 --threads 2]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildGraph } from '@vggscope/core';
import { loadInput } from '@vggscope/image';
import { loadVgg } from '@vggscope/kernels';
import { synthWeights } from '@vggscope/synth-weights';
import { writePacked } from '@vggscope/weights';
import { machine, median } from './stats.js';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '5' },
    threads: { type: 'string', default: String(availableParallelism()) },
    child: { type: 'string' },
  },
});
const threads = Number(values.threads);
const weights = join(tmpdir(), 'bench-vgg16-notop.vggw');
const objective = { kind: 'filter', layer: 'block5_pool', filter: 7 } as const;
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function session() {
  if (!existsSync(weights)) await writePacked(weights, buildGraph('vgg16'), synthWeights(buildGraph('vgg16'), 1));
  const input = await loadInput(fileURLToPath(new URL('../../../packages/cli/assets/chelsea.png', import.meta.url)));
  const vgg = await loadVgg({ model: 'vgg16', weights, layers: ['block5_pool'], backend: 'simd', threads });
  return { vgg, input };
}

if (values.child) {
  // A fresh process per mode: its peak RSS is that mode's alone.
  const { vgg, input } = await session();
  for (let i = 0; i < 2; i++) {
    if (values.child === 'forward') await vgg.extract(input);
    else await vgg.gradient(input, objective);
  }
  await vgg.close();
  process.stdout.write(String(process.resourceUsage().maxRSS * 1024));
  process.exit(0);
}

const iterations = Number(values.iterations);
console.log('### One input gradient, VGG16 224×224 (simd) vs the forward pass\n');
console.log(
  `${new Date().toISOString().slice(0, 10)} · ${machine()} · \`npx nx run bench:gradient\` · load average at start ${loadavg()}\n`,
);
const { vgg, input } = await session();
let t = performance.now();
await vgg.gradient(input, objective);
const coldGradient = performance.now() - t;
const forward: number[] = [];
const gradient: number[] = [];
for (let i = 0; i < iterations; i++) {
  // Interleaved, so a burst of load from other users hits both alike.
  t = performance.now();
  await vgg.extract(input);
  forward.push(performance.now() - t);
  t = performance.now();
  await vgg.gradient(input, objective);
  gradient.push(performance.now() - t);
}
await vgg.close();
const rss = (mode: string) =>
  Number(
    execFileSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--child', mode, '--threads', String(threads)],
      {
        encoding: 'utf8',
      },
    ),
  );
const [rssForward, rssGradient] = [rss('forward'), rss('gradient')];
const torch = pytorch();
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
console.log('| pass | median ms | × forward | peak RSS |');
console.log('|---|---|---|---|');
console.log(
  `| forward to block5_pool (simd, ${threads} threads) | ${median(forward).toFixed(0)} | 1.00 | ${mib(rssForward)} |`,
);
console.log(
  `| input gradient: forward + reverse (simd, ${threads} threads) | ${median(gradient).toFixed(0)} | ${(median(gradient) / median(forward)).toFixed(2)} | ${mib(rssGradient)} (${(rssGradient / rssForward).toFixed(2)}×) |`,
);
if (torch) {
  console.log(
    `| PyTorch ${torch.version} CPU forward (2 threads) | ${torch.forward.toFixed(0)} | ${(torch.forward / median(forward)).toFixed(2)} | |`,
  );
  console.log(
    `| PyTorch ${torch.version} CPU autograd input gradient (2 threads) | ${torch.gradient.toFixed(0)} | ${(torch.gradient / median(forward)).toFixed(2)} | |`,
  );
} else console.log('| PyTorch | not installed (apt-get install python3-torch) | | |');
console.log(
  `\nFirst gradient (makes the backward conv forms): ${coldGradient.toFixed(0)} ms. ${iterations} iterations each, interleaved; load average at end ${loadavg()}.`,
);

/** From sources (tsx), the child needs the loader and the source condition; from dist, nothing. */
function childArgs(): string[] {
  return import.meta.url.endsWith('.ts')
    ? ['--conditions=@vggscope/source', '--import', import.meta.resolve('tsx')]
    : [];
}

/** VGG16's features in torch (float32, 2 threads): median forward and forward+backward to the input. */
function pytorch(): { version: string; forward: number; gradient: number } | undefined {
  const script = `
import time, torch, statistics
torch.set_num_threads(2)
layers, c = [], 3
for v in [64,64,'M',128,128,'M',256,256,256,'M',512,512,512,'M',512,512,512,'M']:
    if v == 'M': layers.append(torch.nn.MaxPool2d(2, 2))
    else: layers += [torch.nn.Conv2d(c, v, 3, padding=1), torch.nn.ReLU()]; c = v
net = torch.nn.Sequential(*layers).eval()
x = torch.randn(1, 3, 224, 224)
def fwd():
    with torch.no_grad(): net(x)
def grad():
    xi = x.clone().requires_grad_(True)
    net(xi)[0, 7].mean().backward()
for f in (fwd, grad): f()
ft, gt = [], []
for i in range(${iterations}):
    t = time.perf_counter(); fwd(); ft.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter(); grad(); gt.append((time.perf_counter() - t) * 1000)
print(torch.__version__, statistics.median(ft), statistics.median(gt))
`;
  // Debian's python3-torch lives in the system Python (a pyenv python3 may shadow it on PATH).
  const r = ['/usr/bin/python3', 'python3']
    .map((py) => spawnSync(py, ['-c', script], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '2' } }))
    .find((x) => x.status === 0);
  if (!r) return undefined;
  const [version, f, g] = r.stdout.trim().split(' ');
  return { version: version!, forward: Number(f), gradient: Number(g) };
}

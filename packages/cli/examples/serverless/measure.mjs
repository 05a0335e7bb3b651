// Measures the serverless numbers the README reports: node measure.mjs WEIGHTS_H5 [VGG19_H5]
// (official or synthetic no-top .h5 files; run from the repository after `npm run build`).
// Bundle size, installed size of the CLI and library packages, f16 packed weight sizes and the zipped upload,
// cold start (new process → first block5_pool from packed f16 weights, median of 5) and peak RSS.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const [vgg16h5, vgg19h5] = process.argv.slice(2);
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
const dir = mkdtempSync(join(tmpdir(), 'vggscope-measure-'));
const fn = join(dir, 'fn');
execFileSync(process.execPath, [fileURLToPath(new URL('./build.mjs', import.meta.url)), fn], { stdio: 'ignore' });
const cli = join(repo, 'packages/cli/bin/vggscope.js');
const convert = (from, to) =>
  execFileSync(process.execPath, [cli, 'weights', 'convert', '--from', from, '--to', to, '--dtype', 'f16'], {
    stdio: 'ignore',
  });
convert(vgg16h5, join(fn, 'vgg16-notop.f16.vggw'));
const size = (p) => statSync(p).size;
const zipped = (files) => files.reduce((n, f) => n + deflateRawSync(readFileSync(f), { level: 9 }).length + 100, 22);
const fnFiles = [
  'handler.mjs',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
  'tfjs-backend-wasm.wasm',
  'vggscope-simd-fma-emulated.wasm',
  'vggscope-simd-fma.wasm',
  'vggscope-simd.wasm',
].map((f) => join(fn, f));
const results = {
  bundle: mb(size(join(fn, 'handler.mjs'))),
  wasm: mb(fnFiles.slice(1).reduce((n, f) => n + size(f), 0)),
  vgg16NotopF16: mb(size(join(fn, 'vgg16-notop.f16.vggw'))),
  zippedWithVgg16: mb(zipped([...fnFiles, join(fn, 'vgg16-notop.f16.vggw')])),
};
if (vgg19h5) {
  convert(vgg19h5, join(dir, 'vgg19-notop.f16.vggw'));
  results.vgg19NotopF16 = mb(size(join(dir, 'vgg19-notop.f16.vggw')));
  results.zippedWithVgg19 = mb(zipped([...fnFiles, join(dir, 'vgg19-notop.f16.vggw')]));
}
writeFileSync(join(fn, 'cat.png'), readFileSync(join(repo, 'packages/cli/assets/chelsea.png')));
const runs = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "const { handler } = await import('./handler.mjs'); await handler({ image: 'cat.png' }); console.log(process.resourceUsage().maxRSS);",
    ],
    { cwd: fn, encoding: 'utf8', env: { PATH: process.env.PATH } },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  runs.push({ ms: performance.now() - t0, rssKB: Number(r.stdout.trim().split('\n').pop()) });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
results.coldStartMedianMs = Math.round(median(runs.map((r) => r.ms)));
results.coldStartRangeMs = `${Math.round(Math.min(...runs.map((r) => r.ms)))}–${Math.round(Math.max(...runs.map((r) => r.ms)))}`;
results.peakRss = mb(Math.max(...runs.map((r) => r.rssKB)) * 1024);
// Installed size: the CLI and the library packages from npm pack (the list packaging.test.ts installs),
// installed without dev dependencies; the queue is an optional peer, left out as a default install does.
const packs = join(dir, 'packs');
mkdirSync(packs);
console.error(JSON.stringify(results));
execFileSync(
  'npm',
  [
    'pack',
    '--silent',
    '--pack-destination',
    packs,
    ...['core', 'io', 'image', 'weights', 'explain', 'kernels', 'platform', 'viz', 'cli'].flatMap((p) => [
      '-w',
      `@vggscope/${p}`,
    ]),
  ],
  { cwd: repo, stdio: 'ignore' },
);
const consumer = join(dir, 'consumer');
execFileSync('mkdir', ['-p', consumer]);
writeFileSync(join(consumer, 'package.json'), '{"name":"c","private":true,"type":"module"}');
execFileSync(
  'npm',
  [
    'install',
    '--omit=dev',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    ...readdirSync(packs).map((f) => join(packs, f)),
  ],
  { cwd: consumer, stdio: 'ignore' },
);
results.installed = execFileSync('du', ['-sh', join(consumer, 'node_modules')], { encoding: 'utf8' }).split('\t')[0];
results.tarballs = readdirSync(packs)
  .map((f) => `${f} ${mb(size(join(packs, f)))}`)
  .join(', ');
console.log(JSON.stringify(results, null, 2));
rmSync(dir, { recursive: true, force: true });

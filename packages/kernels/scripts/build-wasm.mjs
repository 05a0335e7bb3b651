// Compiles the AssemblyScript kernels (assembly/) into two builds in wasm/ (git-ignored):
//   vggscope-simd-fma.wasm — relaxed SIMD (f32x4.relaxed_madd is a fused FMA on x86);
//   vggscope-simd.wasm     — SIMD mul+add, for engines without relaxed SIMD.
// Both import one shared memory (`env.memory`) so every thread of a team instantiates the same
// module on it; the JS side creates it with the maximum reserved up front (no memory.grow races).
import { mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// asc is imported after the up-to-date check below: a no-op run loads no compiler.

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'wasm');
const MAX_PAGES = 65536; // 4 GiB: wasm32's whole address space; untouched pages cost no RSS

const builds = [
  { file: 'vggscope-simd-fma.wasm', features: 'simd,threads,relaxed-simd' },
  { file: 'vggscope-simd.wasm', features: 'simd,threads' },
];

await mkdir(outDir, { recursive: true });
// Up to date when every build is newer than every source (and this script): `npm run vgg` and the
// Nx targets call this before each run, so a no-op must cost milliseconds, not a compile.
const mtime = async (p) => (await stat(p).catch(() => undefined))?.mtimeMs;
const sources = [
  fileURLToPath(import.meta.url),
  ...(await readdir(join(root, 'assembly'))).map((f) => join(root, 'assembly', f)),
];
const newestSource = Math.max(...(await Promise.all(sources.map(mtime))).map((t) => t ?? Infinity));
const outputs = await Promise.all(builds.map((b) => mtime(join(outDir, b.file))));
if (!process.argv.includes('--force') && outputs.every((t) => t !== undefined && t > newestSource)) {
  console.log('build-wasm: up to date');
  process.exit(0);
}
const { default: asc } = await import('assemblyscript/asc');
for (const build of builds) {
  const args = [
    join(root, 'assembly/index.ts'),
    '--outFile',
    join(outDir, build.file),
    '--textFile',
    join(outDir, build.file.replace(/\.wasm$/, '.wat')),
    '--enable',
    build.features,
    '--runtime',
    'stub',
    '--importMemory',
    '--sharedMemory',
    '--initialMemory',
    '1',
    '--maximumMemory',
    String(MAX_PAGES),
    '--noExportMemory',
    '--use',
    'abort=',
    '-O3',
    '--noAssert',
  ];
  const { error, stderr } = await asc.main(args);
  if (error) {
    console.error(stderr.toString());
    throw new Error(`build-wasm: ${build.file} failed: ${error.message}`);
  }
  console.log(`build-wasm: wrote ${join('packages/kernels/wasm', build.file)}`);
}

// Bundles handler.mjs for a serverless function: node build.mjs OUT_DIR [ENTRY]
// One ESM file plus what it loads at run time, beside it: the .wasm files (our simd kernels, the
// JPEG and WebP decoders, tfjs-backend-wasm's when that optional peer is installed) and the worker
// entries (the pool's and the HDF5 reader's as their own bundles, piscina's thread wrapper as
// `worker.js`, the name piscina looks for beside itself). The banner gives the bundle the
// `require`/`__dirname` that tfjs', piscina's and h5wasm's CommonJS parts expect (an ESM bundle has neither).
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const out = resolve(process.argv[2] ?? 'dist-serverless');
const entry = resolve(process.argv[3] ?? fileURLToPath(new URL('./handler.mjs', import.meta.url)));
const banner = [
  "import { createRequire as __vggscopeCreateRequire } from 'node:module';",
  "import { fileURLToPath as __vggscopeFileURLToPath } from 'node:url';",
  'const require = __vggscopeCreateRequire(import.meta.url);',
  'const __filename = __vggscopeFileURLToPath(import.meta.url);',
  "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
].join('\n');
mkdirSync(out, { recursive: true });
const require = createRequire(entry);
const resolvable = (spec) => {
  try {
    return require.resolve(spec);
  } catch {
    return undefined;
  }
};
// Optional native addons (piscina's thread-priority helper) stay out: their loaders catch the absence.
const NATIVE_OPTIONAL = ['@napi-rs/nice'];
const tfjs = resolvable('@tensorflow/tfjs-backend-wasm/package.json');
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner: { js: banner },
  logLevel: 'warning',
  // tfjs is an optional peer of @vggscope/kernels: bundled when installed, else left out (asking for
  // the tfjs-wasm backend then says how to add it).
  external: [...NATIVE_OPTIONAL, ...(tfjs ? [] : ['@tensorflow/*'])],
};
await build({ ...common, entryPoints: [entry], outfile: join(out, 'handler.mjs') });
// Worker entries: each runs in its own thread, so each is its own bundle beside the handler.
const kernelsDist = dirname(require.resolve('@vggscope/kernels'));
const weightsDist = dirname(require.resolve('@vggscope/weights'));
await build({
  ...common,
  entryPoints: [join(kernelsDist, 'pool/worker.js')],
  outfile: join(out, 'vggscope-pool-worker.mjs'),
});
await build({
  ...common,
  entryPoints: [join(weightsDist, 'keras-h5-worker.js')],
  outfile: join(out, 'vggscope-h5-worker.mjs'),
});
await build({
  entryPoints: [join(dirname(require.resolve('piscina')), 'worker.js')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: join(out, 'worker.js'),
  external: NATIVE_OPTIONAL,
  logLevel: 'warning',
});
const copyWasm = (dir) => {
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.wasm'))) copyFileSync(join(dir, f), join(out, f));
};
// The wasm binaries tfjs-backend-wasm picks from (SIMD in Node 20; the others are its fallbacks).
if (tfjs) copyWasm(join(dirname(tfjs), 'dist'));
// Our simd kernels (the default backend): found beside the bundle (or via VGGSCOPE_WASM_DIR).
copyWasm(join(kernelsDist, '../wasm'));
// The JPEG and WebP decoders (libjpeg-turbo, libwebp), found beside the bundle.
const imageRequire = createRequire(require.resolve('@vggscope/image'));
for (const codec of ['@cwasm/jpeg-turbo/jpeg-turbo.wasm', '@saschazar/wasm-webp/wasm_webp.wasm']) {
  const file = imageRequire.resolve(codec);
  copyFileSync(file, join(out, file.slice(file.lastIndexOf('/') + 1)));
}
console.log(`bundled ${entry} → ${out}: ${readdirSync(out).join(', ')}`);

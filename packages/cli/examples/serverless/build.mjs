// Bundles handler.mjs for a serverless function: node build.mjs OUT_DIR [ENTRY]
// One ESM file plus the tfjs-backend-wasm .wasm files beside it (tfjs loads them from the bundle's
// folder). The banner gives the bundle the `require`/`__dirname` that tfjs' and h5wasm's CommonJS
// parts expect (an ESM bundle has neither).
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
await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: join(out, 'handler.mjs'),
  banner: { js: banner },
  logLevel: 'warning',
});
// The wasm binaries tfjs-backend-wasm picks from (SIMD in Node 20; the others are its fallbacks).
const wasmDir = join(dirname(createRequire(entry).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm'))) copyFileSync(join(wasmDir, f), join(out, f));
// Our simd kernels (the default backend): found beside the bundle (or via VGGSCOPE_WASM_DIR).
const kernelsWasm = join(dirname(createRequire(entry).resolve('@vggscope/kernels')), '../wasm');
for (const f of readdirSync(kernelsWasm).filter((n) => n.endsWith('.wasm')))
  copyFileSync(join(kernelsWasm, f), join(out, f));
console.log(`bundled ${entry} → ${out}: ${readdirSync(out).join(', ')}`);

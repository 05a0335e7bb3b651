import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The app's sources (`app/`), the same from src/ and dist/. */
const APP = join(HERE, '../app');
/** The shims folder (its `buffer-global.ts` is injected into every bundle of the engine for the web). */
export const SHIMS = join(APP, 'shims');
const REPO = join(HERE, '../../..');

/** Node built-ins the shared readers import, mapped to the page's shims (in-memory files, pako's inflate). */
const NODE_SHIMS: Record<string, string> = {
  fs: 'fs.ts',
  'fs/promises': 'fs-promises.ts',
  zlib: 'zlib.ts',
};

/** esbuild plugin: the page's shims for Node built-ins (also used by the edge benchmark's Worker bundle). */
export const nodeShims: Plugin = {
  name: 'vggscope-node-shims',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      const bare = args.path.replace(/^node:/, '');
      const known = ['fs', 'fs/promises', 'zlib', 'path', 'url', 'os', 'module', 'crypto', 'worker_threads', 'v8'];
      if (!args.path.startsWith('node:') && !known.includes(bare)) return undefined;
      if (!known.includes(bare)) return { path: join(SHIMS, 'small.ts') };
      return { path: join(SHIMS, NODE_SHIMS[bare] ?? 'small.ts') };
    });
    // pngjs ships a browser build with its own zlib and Buffer.
    b.onResolve({ filter: /^pngjs$/ }, () => ({ path: createRequire(import.meta.url).resolve('pngjs/browser.js') }));
  },
};

/** esbuild options every browser-like bundle of the engine shares (the page, the edge isolate's worker). */
export const BROWSER_BUNDLE = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  conditions: ['@vggscope/source', 'browser'],
  plugins: [nodeShims],
  inject: [join(SHIMS, 'buffer-global.ts')],
} satisfies BuildOptions;

/**
 * Builds the explorer page into `out`: index.html, main.js (the page), engine-worker.js (the engine
 * in a dedicated worker), the .wasm files (our kernels, the JPEG and WebP decoders) and the sample
 * image. esbuild only: a few hundred lines of DOM code do not need a framework. tfjs and piscina are
 * left out (the page uses the simd backend only; the build fails if they are reached).
 */
export async function buildWeb(
  out: string,
): Promise<{ files: string[]; inputs: string[]; outputs: Record<string, string[]> }> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'sample'), { recursive: true });
  const result = await build({
    entryPoints: [join(APP, 'main.ts'), join(APP, 'engine-worker.ts')],
    outdir: out,
    ...BROWSER_BUNDLE,
    target: 'chrome114',
    // h5wasm's web build (4 MB) is imported by the .h5 reader on first use: a chunk of its own, which
    // splitting keeps out of the page and the worker until a .h5 is chosen. Its Node build never runs here.
    external: ['@tensorflow/*', 'piscina', 'h5wasm/node'],
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
    minify: true,
    sourcemap: false,
    logLevel: 'warning',
  });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(APP, f), join(out, f));
  copyFileSync(join(REPO, 'packages/cli/assets/chelsea.png'), join(out, 'sample/chelsea.png'));
  const wasmDir = join(REPO, 'packages/kernels/wasm');
  for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm'))) copyFileSync(join(wasmDir, f), join(out, f));
  const req = createRequire(join(REPO, 'packages/image/package.json'));
  for (const codec of ['@cwasm/jpeg-turbo/jpeg-turbo.wasm', '@saschazar/wasm-webp/wasm_webp.wasm']) {
    const file = req.resolve(codec);
    copyFileSync(file, join(out, file.slice(file.lastIndexOf('/') + 1)));
  }
  mkdirSync(join(out, 'data'));
  copyFileSync(
    join(REPO, 'packages/explain/data/imagenet_class_index.json'),
    join(out, 'data/imagenet_class_index.json'),
  );
  writeFileSync(join(out, 'weights.json'), '[]\n'); // a static host lists its weights here; `vggscope serve` answers itself
  const outputs = Object.fromEntries(
    Object.entries(result.metafile.outputs).map(([file, o]) => [relative(out, file), Object.keys(o.inputs)]),
  );
  return {
    files: readdirSync(out, { recursive: true }) as string[],
    inputs: Object.keys(result.metafile.inputs),
    outputs,
  };
}

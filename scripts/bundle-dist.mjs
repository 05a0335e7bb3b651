// Run by `npm run build` after `tsc -b`, and by every Nx `build` target after its `tsc -b` (which
// may re-emit any package it references: a bundle left from before would run the old code). Each
// package's Node entry points (the `default` files of its `exports`, the CLI's `main.js`) are
// rewritten as one esbuild bundle of that package's own sources, so a process loads 7 of our modules
// instead of ~125: Node 20's ESM loader spends ≈ 0.8 ms a module before any of our code runs. Node
// start → every module of the library's path loaded: 139 → 87 ms on an idle machine, 177 → 99 ms at
// load 2.5 (BENCHMARKS.md, "Cold start").
//
// What stays as tsc wrote it: every other file of `dist/` (deep imports, the pool's and the HDF5
// reader's worker entries, the `.d.ts` and their maps). Every import of another package
// (`@vggscope/*`, npm dependencies, `#h5wasm`) stays an import, so each package is still one module
// instance: `VggError` from `@vggscope/core` is the class every bundle throws. Bundles are made from
// `src/` (never from `dist/`, which they overwrite: a later incremental `tsc -b` would not re-emit an
// unchanged entry, and a bundle of a bundle would keep stale code).
//
// A module that finds files relative to `import.meta.url` (its worker, its data, its .wasm) sees the
// URL of the bundle it was inlined into: the build fails unless it sits at the same folder depth in
// `dist/` as its source does in `src/`, or says `bundle: any depth` (it looks in both places).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Package → entry points (paths under `src/` without `.ts`): the Node files its `exports` and `bin` name. */
const BUNDLED_ENTRIES = {
  core: ['index'],
  platform: ['node'],
  io: ['index'],
  image: ['index'],
  weights: ['index', 'open-weights'],
  kernels: ['index'],
  explain: ['index'],
  viz: ['index'],
  cli: ['index', 'main'],
};

/**
 * npm dependencies inlined into a package's bundle (no other package imports them): pako's inflate
 * is 8 CommonJS modules, each through Node's CommonJS loader.
 */
const INLINED = { image: ['pako'] };

/** esbuild's name for the code two entries of one package share (in `dist/`, at depth 1). */
const CHUNK_PREFIX = 'chunk-';
const ANY_DEPTH = 'bundle: any depth';

for (const [pkg, entries] of Object.entries(BUNDLED_ENTRIES)) {
  const dir = join(ROOT, 'packages', pkg);
  const dist = join(dir, 'dist');
  if (!existsSync(dist)) continue; // not built (an Nx target built only part of the tree)
  const result = await build({
    entryPoints: entries.map((e) => join(dir, 'src', `${e}.ts`)),
    outdir: dist,
    outbase: join(dir, 'src'),
    bundle: true,
    splitting: true,
    chunkNames: `${CHUNK_PREFIX}[hash]`,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    plugins: [externals(INLINED[pkg] ?? [])],
    tsconfig: join(dir, 'tsconfig.build.json'),
    sourcemap: true,
    metafile: true,
    absWorkingDir: ROOT,
    logLevel: 'warning',
  });
  checkDepths(dir, result.metafile);
  // Chunks of an earlier build go; never this build's (Nx may run two builds, and so this script, at once).
  const made = new Set(Object.keys(result.metafile.outputs).map((o) => resolve(ROOT, o)));
  for (const f of readdirSync(dist)) {
    const file = join(dist, f);
    if (f.startsWith(CHUNK_PREFIX) && !made.has(file.replace(/\.map$/, ''))) rmSync(file, { force: true });
  }
}

/** Every bare import (`@vggscope/*`, npm packages, `#h5wasm`, `node:*`) stays an import, but those of `inline`. */
function externals(inline) {
  return {
    name: 'vggscope-externals',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, ({ path }) =>
        inline.some((p) => path === p || path.startsWith(`${p}/`)) ? undefined : { path, external: true },
      );
    },
  };
}

/** A module using `import.meta.url` must land at its own depth (see the top of this file). */
function checkDepths(dir, metafile) {
  const depth = (path) => path.split(sep).length - 1;
  for (const [out, { inputs }] of Object.entries(metafile.outputs)) {
    if (!out.endsWith('.js')) continue;
    const outDepth = depth(relative(join(dir, 'dist'), resolve(ROOT, out)));
    for (const input of Object.keys(inputs)) {
      const file = resolve(ROOT, input);
      const source = readFileSync(file, 'utf8');
      if (!source.includes('import.meta.url') || source.includes(ANY_DEPTH)) continue;
      const inDepth = depth(relative(join(dir, 'src'), file));
      if (inDepth !== outDepth) {
        throw new Error(
          `bundle-dist: ${relative(ROOT, file)} uses import.meta.url but would be bundled into ${relative(ROOT, out)} ` +
            `(depth ${outDepth}, not ${inDepth}): make its lookups work from both and mark it '${ANY_DEPTH}', or leave it out`,
        );
      }
    }
  }
}

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT, skipNote, tinyWeights } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { loadVgg } from './load-vgg.js';

// `npm run build` bundles each package's entries (scripts/bundle-dist.mjs): a cold start loads a
// handful of our modules, not ~125 (≈ 0.8 ms each in Node 20's ESM loader). This runs the built
// library as a user's script does (no source condition) and counts what it loads.
const DIST_INDEX = join(REPO_ROOT, 'packages/kernels/dist/index.js');
const BUILT = existsSync(DIST_INDEX);
const NOT_BUILT = skipNote(!BUILT, "the packages are not built (run 'npm run build' first; CI does)");

/** Reports every module Node's ESM loader loads (the hooks thread writes to stderr). */
const COUNT_LOADS = `data:text/javascript,${encodeURIComponent(
  "import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(" +
    '\'export async function load(url, context, next) { console.error("LOADED " + url); return next(url, context); }\'));',
)}`;

describe.skipIf(!BUILT)(`the built packages are bundled${NOT_BUILT}`, () => {
  it('loadVgg + extract from dist loads at most 12 of our modules and gives the source build’s block5_pool', async () => {
    const weights = await tinyWeights('vgg16', 'packed');
    const image = join(REPO_ROOT, 'packages/cli/assets/chelsea.png');
    const script = `
      const { loadVgg } = await import(${JSON.stringify(pathToFileURL(DIST_INDEX).href)});
      const m = await loadVgg({ model: 'tiny-vgg16', weights: ${JSON.stringify(weights)}, layers: ['block5_pool'], threads: 2 });
      const [f] = await m.extract(${JSON.stringify(image)});
      await m.close();
      console.log(JSON.stringify(Array.from(f.data)));`;
    // A file (what the package exports, by path), not `-e`: the kernel threads inherit `--input-type=module`, which makes their eval'd entry an ES module.
    const dir = mkdtempSync(join(tmpdir(), 'vggscope-bundled-'));
    writeFileSync(join(dir, 'run.mjs'), script);
    const { NODE_OPTIONS: _, ...env } = process.env; // vitest's source condition stays out
    const r = spawnSync(process.execPath, ['--import', COUNT_LOADS, join(dir, 'run.mjs')], {
      cwd: REPO_ROOT,
      env,
      encoding: 'utf8',
    });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(0);
    const ours = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('LOADED file:') && l.includes('/packages/'))
      .map((l) => l.slice(l.indexOf('/packages/') + 1));
    expect(
      ours.every((f) => f.includes('/dist/')),
      ours.join('\n'),
    ).toBe(true);
    expect(ours.length, ours.join('\n')).toBeLessThanOrEqual(12);

    const m = await loadVgg({ model: 'tiny-vgg16', weights, layers: ['block5_pool'], threads: 2 });
    const [f] = await m.extract(image);
    await m.close();
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual(Array.from(f!.data));
  });
});

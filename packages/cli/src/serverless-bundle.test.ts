import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, skipNote, tinyWeights } from '@vggscope/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The README's serverless example, as a function would run it: bundled with esbuild
// (examples/serverless/build.mjs), then run in a fresh process from a folder holding only the
// bundle and its assets (the .wasm files, the weights, an image) — no node_modules anywhere above.
const BUILT = existsSync(join(REPO_ROOT, 'packages/kernels/dist/index.js'));
const NOT_BUILT = skipNote(!BUILT, "the packages are not built (run 'npm run build' first; CI does)");
const EXAMPLE = join(REPO_ROOT, 'packages/cli/examples/serverless');
let dir: string;

beforeAll(async () => {
  if (!BUILT) return;
  dir = mkdtempSync(join(tmpdir(), 'vggscope-fn-'));
  execFileSync(process.execPath, [join(EXAMPLE, 'build.mjs'), dir], { cwd: REPO_ROOT, stdio: 'ignore' });
  copyFileSync(await tinyWeights('vgg16', 'packed'), join(dir, 'vgg16-notop.f16.vggw')); // the handler's default name
  copyFileSync(join(REPO_ROOT, 'packages/cli/assets/chelsea.png'), join(dir, 'cat.png'));
}, 120_000);
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

const invoke = (cwd: string) =>
  spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "const { handler } = await import('./handler.mjs'); console.log(JSON.stringify(await handler({ model: 'tiny-vgg16', image: 'cat.png' })));",
    ],
    {
      cwd,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' }, // nothing of the repository's environment
    },
  );

describe.skipIf(!BUILT)(`serverless bundle (esbuild)${NOT_BUILT}`, () => {
  it('the folder holds one .mjs and the .wasm files (plus the weights and image the test adds)', () => {
    expect(readdirSync(dir).sort()).toEqual([
      'cat.png',
      'handler.mjs',
      'tfjs-backend-wasm-simd.wasm',
      'tfjs-backend-wasm-threaded-simd.wasm',
      'tfjs-backend-wasm.wasm',
      'vgg16-notop.f16.vggw',
      'vggscope-simd-fma.wasm',
      'vggscope-simd.wasm',
    ]);
  });

  it('runs in a fresh process from that folder: block5_pool features', () => {
    const r = invoke(dir);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({
      layer: 'block5_pool',
      shape: [1, 7, 7, 16],
    });
  });

  it('a missing .wasm file fails the invocation with an error naming the file', () => {
    const bare = mkdtempSync(join(tmpdir(), 'vggscope-fn-bare-'));
    for (const f of ['handler.mjs', 'vgg16-notop.f16.vggw', 'cat.png']) copyFileSync(join(dir, f), join(bare, f));
    const r = invoke(bare);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('vggscope-simd-fma.wasm not found (looked in');
    expect(r.stderr).toContain(bare); // names where it looked, beside the bundle included
    rmSync(bare, { recursive: true });
  });
});

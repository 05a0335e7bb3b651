import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, fixture, REPO_ROOT, skipNote, tinyWeights } from '@vggscope/test-utils';
import { loadVgg } from '@vggscope/kernels';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The README's serverless example, as a function would run it: bundled with esbuild
// (examples/serverless/build.mjs), then run in a fresh process from a folder holding only the
// bundle and its assets (the .wasm files, the weights, an image) — no node_modules anywhere above.
const BUILT = existsSync(join(REPO_ROOT, 'packages/kernels/dist/index.js'));
const NOT_BUILT = skipNote(!BUILT, "the packages are not built (run 'npm run build' first; CI does)");
const EXAMPLE = join(REPO_ROOT, 'packages/cli/examples/serverless');
let dir: string;
let poolDir: string;
/** One image of every format the decoders take (fixtures where present; the PNG always). */
const IMAGES: Record<string, string> = {
  'cat.png': join(REPO_ROOT, 'packages/cli/assets/chelsea.png'),
  ...(FIXTURES
    ? {
        'rocket.jpg': fixture('images/rocket.jpg'),
        'chelsea_420.jpg': fixture('images/chelsea_420.jpg'),
        'coffee_progressive.jpg': fixture('images/coffee_progressive.jpg'),
        'coffee.webp': fixture('images/coffee.webp'),
        'chelsea.bmp': fixture('images/chelsea.bmp'),
        'logo.gif': fixture('images/logo.gif'),
        'coffee.tif': fixture('images/coffee.tif'),
      }
    : {}),
};

beforeAll(async () => {
  if (!BUILT) return;
  dir = mkdtempSync(join(tmpdir(), 'vggscope-fn-'));
  execFileSync(process.execPath, [join(EXAMPLE, 'build.mjs'), dir], { cwd: REPO_ROOT, stdio: 'ignore' });
  copyFileSync(await tinyWeights('vgg16', 'packed'), join(dir, 'vgg16-notop.f16.vggw')); // the handler's default name
  for (const [name, from] of Object.entries(IMAGES)) copyFileSync(from, join(dir, name));
  poolDir = mkdtempSync(join(tmpdir(), 'vggscope-fn-pool-'));
  execFileSync(process.execPath, [join(EXAMPLE, 'build.mjs'), poolDir, join(EXAMPLE, 'pool-handler.mjs')], {
    cwd: REPO_ROOT,
    stdio: 'ignore',
  });
  copyFileSync(join(dir, 'vgg16-notop.f16.vggw'), join(poolDir, 'vgg16-notop.f16.vggw'));
  for (const [name, from] of Object.entries(IMAGES)) copyFileSync(from, join(poolDir, name));
}, 180_000);
afterAll(() => {
  for (const d of [dir, poolDir]) if (d) rmSync(d, { recursive: true, force: true });
});

/** block5_pool's mean for `image` from the unbundled library (one thread, as the handler runs it). */
async function libraryMean(image: string): Promise<number> {
  const m = await loadVgg({
    model: 'tiny-vgg16',
    weights: join(dir, 'vgg16-notop.f16.vggw'),
    layers: ['block5_pool'],
    threads: 1,
  });
  try {
    const [f] = await m.extract(join(dir, image));
    return f!.data.reduce((a, b) => a + b, 0) / f!.data.length;
  } finally {
    await m.close();
  }
}

const invoke = (cwd: string, event: object = { model: 'tiny-vgg16', image: 'cat.png' }) =>
  spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { handler } = await import('./handler.mjs'); console.log(JSON.stringify(await handler(${JSON.stringify(event)})));`,
    ],
    {
      cwd,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' }, // nothing of the repository's environment
    },
  );

describe.skipIf(!BUILT)(`serverless bundle (esbuild)${NOT_BUILT}`, () => {
  it('the folder holds the handler, its worker entries and the .wasm files (plus the weights and images the test adds)', () => {
    expect(readdirSync(dir).sort()).toEqual(
      [
        ...Object.keys(IMAGES),
        'handler.mjs',
        'jpeg-turbo.wasm',
        'tfjs-backend-wasm-simd.wasm',
        'tfjs-backend-wasm-threaded-simd.wasm',
        'tfjs-backend-wasm.wasm',
        'vgg16-notop.f16.vggw',
        'vggscope-h5-worker.mjs',
        'vggscope-pool-worker.mjs',
        'vggscope-simd-fma-emulated.wasm',
        'vggscope-simd-fma.wasm',
        'vggscope-simd.wasm',
        'wasm_webp.wasm',
        'worker.js',
      ].sort(),
    );
  });

  it(`decodes every format from that folder, as the unbundled library does (${Object.keys(IMAGES).join(', ')})`, async () => {
    for (const image of Object.keys(IMAGES)) {
      const r = invoke(dir, { model: 'tiny-vgg16', image });
      expect(r.status, `${image}: ${r.stderr}`).toBe(0);
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
      expect(out.shape, image).toEqual([1, 7, 7, 16]);
      expect(out.mean, image).toBe(await libraryMean(image));
    }
  });

  it('a bundled VggPool: its worker found beside the bundle, every image through two workers', async () => {
    const images = Object.keys(IMAGES);
    const r = invoke(poolDir, { model: 'tiny-vgg16', images });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.workers).toBe(2);
    for (const [i, image] of images.entries()) expect(out.results[i].mean, image).toBe(await libraryMean(image));
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

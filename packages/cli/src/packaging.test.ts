import { execFile, execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FIXTURES, fixture, REPO_ROOT, skipNote, synthH5, tinyWeights } from '@vggscope/test-utils';
import { serveBytes, startServer } from '@vggscope/test-utils/http-server';
import { hashFile } from '@vggscope/weights';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The published packages as a user gets them: `npm pack` core, kernels, viz, queue and cli, install the
// tarballs in a folder outside the repository, and extract features from there — through the
// `vggscope` bin (single image and folder mode, whose workers load from the installed dist) and
// through the library.
const BUILT = ['core', 'kernels', 'viz', 'queue', 'cli'].every((p) =>
  existsSync(join(REPO_ROOT, 'packages', p, 'dist/index.js')),
);
const NOT_BUILT = skipNote(!BUILT, "the packages are not built (run 'npm run build' first; CI does)");
let consumer: string;
let weights: string;
/** The queue's tarball, kept out of the default install (an optional peer of the CLI). */
let queueTarball: string;

beforeAll(async () => {
  if (!BUILT) return;
  weights = await tinyWeights('vgg16', 'packed');
  const packs = mkdtempSync(join(tmpdir(), 'vggscope-packs-'));
  execFileSync(
    'npm',
    [
      'pack',
      '--silent',
      '--pack-destination',
      packs,
      ...['core', 'io', 'image', 'weights', 'explain', 'kernels', 'platform', 'viz', 'queue', 'cli'].flatMap((p) => [
        '-w',
        `@vggscope/${p}`,
      ]),
    ],
    { cwd: REPO_ROOT, stdio: 'ignore' },
  );
  consumer = mkdtempSync(join(tmpdir(), 'vggscope-consumer-'));
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const tarballs = readdirSync(packs).map((f) => join(packs, f));
  queueTarball = tarballs.find((t) => /vggscope-queue-/.test(t))!;
  const defaults = tarballs.filter((t) => t !== queueTarball);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...defaults], {
    cwd: consumer,
    stdio: 'ignore',
  });
}, 300_000);
afterAll(() => {
  if (consumer) rmSync(consumer, { recursive: true, force: true });
  if (queueTarball) rmSync(dirname(queueTarball), { recursive: true, force: true });
});

describe.skipIf(!BUILT)(`packed and installed outside the repository${NOT_BUILT}`, () => {
  it('the tarballs hold dist, types and package files only (no sources, tests or maps)', () => {
    const files = readdirSync(join(consumer, 'node_modules/@vggscope/core/dist'), { recursive: true }) as string[];
    expect(files).toContain('index.d.ts');
    expect(files.filter((f) => /\.test\.|\.map$|tsbuildinfo/.test(f))).toEqual([]);
    expect(existsSync(join(consumer, 'node_modules/@vggscope/core/src'))).toBe(false);
    expect(existsSync(join(consumer, 'node_modules/@vggscope/explain/data/imagenet_class_index.json'))).toBe(true);
    expect(existsSync(join(consumer, 'node_modules/@vggscope/weights/data/manifest.json'))).toBe(true);
  });

  it('npx vggscope extract: one image, then a folder through the worker pool, exit 0', () => {
    const run = (args: string[]) =>
      spawnSync('npx', ['--no-install', 'vggscope', ...args], { cwd: consumer, encoding: 'utf8' });
    const one = run([
      'extract',
      '--model',
      'tiny-vgg16',
      '--weights',
      weights,
      '--layer',
      'block5_pool',
      '--out',
      'feats',
    ]);
    expect(one.status, one.stderr).toBe(0);
    expect(readdirSync(join(consumer, 'feats/chelsea'))).toEqual(['block5_pool.npy']);
    mkdirSync(join(consumer, 'imgs/a'), { recursive: true });
    mkdirSync(join(consumer, 'imgs/b'), { recursive: true });
    for (const d of ['a', 'b'])
      copyFileSync(join(REPO_ROOT, 'packages/cli/assets/chelsea.png'), join(consumer, `imgs/${d}/x.png`));
    const folder = run([
      'extract',
      '--model',
      'tiny-vgg16',
      '--weights',
      weights,
      '--images',
      'imgs',
      '--recursive',
      '--size',
      '32x32',
      '--format',
      'npz',
      '--out',
      'f2',
    ]);
    expect(folder.status, folder.stderr).toBe(0);
    expect(readdirSync(join(consumer, 'f2')).sort()).toEqual(['features.jsonl', 'features.npz']);
    expect(run(['extract', '--layer', 'block6_pool']).status).toBe(2);
  }, 120_000);

  it('weights without --weights: the bundled manifest, the Keras cache, and a fetch into ~/.cache/vggscope', async () => {
    const home = mkdtempSync(join(tmpdir(), 'vggscope-home-'));
    const h5 = await synthH5('vgg16');
    const body = readFileSync(h5);
    const NAME = 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5';
    const server = await startServer((req, res) => serveBytes(req, res, body));
    const clean: NodeJS.ProcessEnv = { ...process.env, HOME: home, FORCE_COLOR: '0' };
    for (const k of ['VGGSCOPE_WEIGHTS', 'VGGSCOPE_HOME', 'VGGSCOPE_MANIFEST', 'KERAS_HOME', 'XDG_CACHE_HOME'])
      delete clean[k];
    const run = (args: string[], env: NodeJS.ProcessEnv = clean) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((done) =>
        execFile('npx', ['--no-install', 'vggscope', ...args], { cwd: consumer, env }, (e, stdout, stderr) =>
          done({ status: e ? Number(e.code ?? 1) : 0, stdout, stderr }),
        ),
      );
    try {
      // the built-in manifest is found inside the installed package; the places are user folders
      const list = await run(['weights', 'list']);
      expect(list.status, list.stderr).toBe(0);
      expect(list.stdout).toContain(join(home, '.cache', 'vggscope'));
      expect(list.stdout).toContain(join(home, '.keras', 'models'));
      expect(list.stdout).not.toContain('node_modules');
      const offline = await run(['extract', '--offline']);
      expect(offline.status).toBe(4);
      expect(offline.stderr).toContain(join(home, '.keras', 'models', NAME));
      expect(offline.stderr).not.toMatch(/manifest.*not found|node_modules\/weights/);

      // the Keras cache is read (md5-checked against the manifest) and packed into the user cache
      const manifest = join(home, 'manifest.json');
      const entry = { name: NAME, model: 'vgg16', includeTop: false, md5: await hashFile(h5), bytes: body.length };
      writeFileSync(manifest, JSON.stringify({ files: [{ ...entry, urls: [`${server.url}/${NAME}`] }] }));
      mkdirSync(join(home, '.keras', 'models'), { recursive: true });
      copyFileSync(h5, join(home, '.keras', 'models', NAME));
      const keras = await run(['extract', '--offline', '--layer', 'block1_pool', '--out', 'fk'], {
        ...clean,
        VGGSCOPE_MANIFEST: manifest,
      });
      expect(keras.status, keras.stderr).toBe(0);
      expect(keras.stderr).toContain(`converting ${join(home, '.keras', 'models', NAME)}`);
      expect(existsSync(join(home, '.cache', 'vggscope', 'vgg16-notop.vggw'))).toBe(true);

      // fetch downloads from the manifest's URL into $VGGSCOPE_HOME
      const vhome = join(home, 'vh');
      const fetched = await run(['weights', 'fetch', '--model', 'vgg16'], {
        ...clean,
        VGGSCOPE_MANIFEST: manifest,
        VGGSCOPE_HOME: vhome,
        KERAS_HOME: join(home, 'no-keras'),
      });
      expect(fetched.status, fetched.stderr).toBe(0);
      expect(fetched.stdout).toContain(`weights ready: ${join(vhome, 'vgg16-notop.vggw')}`);
      expect(server.requests.map((r) => r.path)).toEqual([`/${NAME}`]);
      expect(existsSync(join(consumer, 'node_modules', 'weights'))).toBe(false);
      // the installed module knows it is not in a checkout, and ships its manifest
      const probe = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "import { REPO_WEIGHTS_DIR, BUNDLED_MANIFEST } from '@vggscope/weights'; console.log(JSON.stringify([REPO_WEIGHTS_DIR ?? null, BUNDLED_MANIFEST]))",
        ],
        { cwd: consumer, encoding: 'utf8' },
      );
      expect(JSON.parse(probe.stdout)).toEqual([
        null,
        join(realpathSync(consumer), 'node_modules/@vggscope/weights/data/manifest.json'),
      ]);
    } finally {
      await server.close();
      rmSync(home, { recursive: true, force: true });
    }
  }, 180_000);

  it('the library: loadVgg from @vggscope/kernels in a plain Node script', () => {
    const script = `import { loadVgg } from '@vggscope/kernels';
import { tinyVgg } from '@vggscope/core';
const m = await loadVgg({ model: tinyVgg('vgg16'), weights: ${JSON.stringify(weights)}, layers: ['block5_pool'] });
const [f] = await m.extract(new URL('./node_modules/@vggscope/cli/assets/chelsea.png', import.meta.url).pathname);
console.log(JSON.stringify(f.shape));
await m.close();`;
    writeFileSync(join(consumer, 'lib.mjs'), script);
    const r = spawnSync(process.execPath, ['lib.mjs'], { cwd: consumer, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([1, 7, 7, 16]);
  });
});

/** A runtime's binary from the repository's devDependencies (npm ci installs deno and bun), if present. */
const runtime = (name: string) => {
  const bin = join(REPO_ROOT, 'node_modules/.bin', name);
  return existsSync(bin) && spawnSync(bin, ['--version']).status === 0 ? bin : undefined;
};
const DENO = runtime('deno');
const BUN = runtime('bun');

/** The README's library example, verbatim, plus two lines that save block5_pool's bytes to $OUT. */
function readmeExample(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const code = readme.slice(readme.indexOf('## Library')).match(/```ts\n([\s\S]*?)```/)![1]!;
  return `${code}
import { writeFileSync as __save } from 'node:fs';
__save(process.env.OUT, new Uint8Array(b5.data.buffer, b5.data.byteOffset, b5.data.byteLength));
`;
}

describe.skipIf(!BUILT)(`the installed packages, the footprint and the types${NOT_BUILT}`, () => {
  it('a default install holds no tfjs (an optional peer); asking for tfjs-wasm says how to add it', () => {
    expect(existsSync(join(consumer, 'node_modules/@tensorflow'))).toBe(false);
    writeFileSync(
      join(consumer, 'tfjs.mjs'),
      "import { createBackend } from '@vggscope/kernels';\ntry { await createBackend('tfjs-wasm'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, hint: e.hint })); }",
    );
    const r = spawnSync(process.execPath, ['tfjs.mjs'], { cwd: consumer, encoding: 'utf8' });
    const out = JSON.parse(r.stdout);
    expect(out.code).toBe('E_USAGE');
    expect(out.message).toContain('optional peer');
    expect(out.hint).toContain('npm i @tensorflow/tfjs-core@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0');
  });

  it('a default install holds no native addon; the queue is added on demand and then runs', () => {
    const installed = readdirSync(join(consumer, 'node_modules'), { recursive: true }) as string[];
    expect(installed.filter((f) => f.endsWith('.node'))).toEqual([]);
    expect(installed.filter((f) => /(^|\/)(@napi-rs|msgpackr-extract|bullmq)$/.test(f))).toEqual([]);
    // piscina comes bundled inside @vggscope/kernels, without its optional @napi-rs/nice
    expect(existsSync(join(consumer, 'node_modules/@vggscope/kernels/node_modules/piscina/dist/main.js'))).toBe(true);
    const queue = () =>
      spawnSync('npx', ['--no-install', 'vggscope', 'queue', 'status', '--redis', 'redis://127.0.0.1:9'], {
        cwd: consumer,
        encoding: 'utf8',
      });
    const before = queue();
    expect(before.status, before.stderr).toBe(2);
    expect(before.stderr).toContain('needs @vggscope/queue');
    expect(before.stderr).toContain('npm i @vggscope/queue');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', queueTarball], {
      cwd: consumer,
      stdio: 'ignore',
    });
    const after = queue();
    expect(after.stderr).toContain('E_QUEUE'); // nothing listens on port 9: the queue's own error, exit 7
    expect(after.status).toBe(7);
  }, 120_000);

  for (const lib of [['ES2023'], ['ES2023', 'DOM']]) {
    it(`the shipped types check without skipLibCheck (lib ${lib.join(' + ')}: no collision with lib.dom)`, () => {
      const dir = join(consumer, `types-${lib.length}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'use.ts'),
        "import { loadVgg, createSimdBackend } from '@vggscope/kernels';\nimport { VggPool } from '@vggscope/kernels/pool';\nexport const f = [loadVgg, createSimdBackend, VggPool];\n",
      );
      const tsconfig = {
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          lib,
          types: ['node'],
          typeRoots: [join(REPO_ROOT, 'node_modules/@types')],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        files: ['use.ts'],
      };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
      const r = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], {
        encoding: 'utf8',
      });
      expect(r.status, r.stdout).toBe(0);
    }, 60_000);
  }
});

describe.skipIf(!BUILT || !FIXTURES)(
  `the README's library example under Node, Deno and Bun, from the tarballs${NOT_BUILT}${skipNote(!FIXTURES, 'no ../shared/fixtures (cat.jpg)')}`,
  () => {
    const out = (name: string) => join(consumer, `b5-${name}.bin`);
    const run = (bin: string, args: string[], name: string) =>
      spawnSync(bin, [...args, 'readme.mjs'], {
        cwd: consumer,
        encoding: 'utf8',
        env: { ...process.env, OUT: out(name) },
      });

    beforeAll(async () => {
      // The example's own file names: synthetic VGG16 weights under the official name, a JPEG as cat.jpg.
      copyFileSync(await synthH5('vgg16'), join(consumer, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5'));
      copyFileSync(fixture('images/chelsea_420.jpg'), join(consumer, 'cat.jpg'));
      writeFileSync(join(consumer, 'readme.mjs'), readmeExample());
      const node = run(process.execPath, [], 'node');
      expect(node.status, node.stderr).toBe(0);
    }, 180_000);

    // libwebp's wasm is found through the installed @saschazar/wasm-webp in every runtime.
    it('a WebP from the tarballs under Node, Deno and Bun: the pixels Pillow gives (pillow_reference.json)', () => {
      const ref = JSON.parse(readFileSync(fixture('images/pillow_reference.json'), 'utf8')) as {
        files: Record<string, { rgb_md5: string }>;
      };
      copyFileSync(fixture('images/coffee.webp'), join(consumer, 'coffee.webp'));
      writeFileSync(
        join(consumer, 'webp.mjs'),
        `import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { decodeImage } from '@vggscope/image';
const img = decodeImage(new Uint8Array(readFileSync('coffee.webp')), 'coffee.webp');
console.log(JSON.stringify([img.width, img.height, createHash('md5').update(img.data).digest('hex')]));`,
      );
      const runtimes: [string, string[]][] = [[process.execPath, []]];
      if (DENO) runtimes.push([DENO, ['run', '-A']]);
      if (BUN) runtimes.push([BUN, []]);
      for (const [bin, args] of runtimes) {
        const r = spawnSync(bin, [...args, 'webp.mjs'], { cwd: consumer, encoding: 'utf8' });
        expect(r.status, `${bin}: ${r.stderr}`).toBe(0);
        expect(JSON.parse(r.stdout), bin).toEqual([600, 400, ref.files['coffee.webp']!.rgb_md5]);
      }
    }, 60_000);

    it.skipIf(!DENO)(
      `Deno 2: block5_pool byte-identical to Node's (both V8, the same FMA build)${skipNote(!DENO, 'deno is not installed (npm ci installs it)')}`,
      () => {
        const r = run(DENO!, ['run', '-A'], 'deno');
        expect(r.status, r.stderr).toBe(0);
        expect(readFileSync(out('deno')).equals(readFileSync(out('node')))).toBe(true);
      },
      120_000,
    );

    it.skipIf(!BUN)(
      `Bun: block5_pool byte-identical to Node's (the fused multiply-add, emulated where JavaScriptCore does not fuse it; said once)${skipNote(!BUN, 'bun is not installed (npm ci installs it)')}`,
      () => {
        const r = run(BUN!, [], 'bun');
        expect(r.status, r.stderr).toBe(0);
        const said = r.stderr.split('\n').filter((l) => l.includes('multiply-add'));
        // JavaScriptCore validates relaxed SIMD but does not fuse relaxed_madd (probed at start-up)
        expect(said.length).toBeLessThanOrEqual(1);
        if (said.length === 1) expect(said[0]).toContain('emulating it');
        expect(readFileSync(out('bun')).equals(readFileSync(out('node')))).toBe(true);
      },
      240_000,
    );
  },
);

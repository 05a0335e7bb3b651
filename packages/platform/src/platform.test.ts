import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { locateWorkerScript, platform, provideAsset } from './node.js';

const tmp = mkdtempSync(join(tmpdir(), 'vggscope-platform-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const dirUrl = (d: string) => pathToFileURL(`${d}/`);

describe('the web implementation runs anywhere', () => {
  it('platform.ts, wasm.ts and web.ts import no node: module', () => {
    for (const f of ['platform.ts', 'wasm.ts', 'web.ts']) {
      const src = readFileSync(new URL(`./${f}`, import.meta.url), 'utf8');
      expect(src, f).not.toMatch(/from ['"]node:/);
    }
  });
});

describe('startWorker', () => {
  it('starts from a script run with `node --input-type=module -e`, which makes an eval’d worker source an ES module', () => {
    const node = pathToFileURL(join(import.meta.dirname, 'node.ts')).href;
    const script = `const { platform } = await import(${JSON.stringify(node)});
      const w = platform.startWorker('(data, post) => post(data)', 'ready');
      await w.ready;
      await w.terminate();
      console.log('started');`;
    for (const flag of [['--input-type=module'], ['--input-type', 'module']]) {
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--conditions=@vggscope/source', ...flag, '-e', script],
        {
          encoding: 'utf8',
        },
      );
      expect(r.stderr, flag.join(' ')).toBe('');
      expect(r.stdout.trim(), flag.join(' ')).toBe('started');
    }
  });
});

describe('readAsset: one search order for shipped files', () => {
  const a = join(tmp, 'a');
  const b = join(tmp, 'b');
  mkdirSync(a);
  mkdirSync(b);
  writeFileSync(join(b, 'k.wasm'), 'from-b');
  const request = (extra: object = {}) => ({
    file: 'k.wasm',
    places: [dirUrl(a), dirUrl(b)],
    owner: 'test',
    hint: 'build it',
    ...extra,
  });

  it('takes the first place that has the file', async () => {
    expect(new TextDecoder().decode(await platform.readAsset(request()))).toBe('from-b');
  });
  it('the environment folder comes first', async () => {
    const env = join(tmp, 'env');
    mkdirSync(env);
    writeFileSync(join(env, 'k.wasm'), 'from-env');
    process.env.VGGSCOPE_TEST_DIR = env;
    try {
      const got = await platform.readAsset(request({ envDir: 'VGGSCOPE_TEST_DIR' }));
      expect(new TextDecoder().decode(got)).toBe('from-env');
    } finally {
      delete process.env.VGGSCOPE_TEST_DIR;
    }
  });
  it('a registered asset overrides the search', async () => {
    provideAsset('given.wasm', new Uint8Array([1, 2, 3]));
    expect([...(await platform.readAsset({ ...request(), file: 'given.wasm' }))]).toEqual([1, 2, 3]);
  });
  it('nothing found: a typed error naming every folder looked in and the fix', async () => {
    const err = await platform.readAsset({ ...request(), file: 'missing.wasm' }).catch((e) => e);
    expect(err.code).toBe('E_INTERNAL');
    expect(err.message).toContain('test: missing.wasm not found (looked in');
    expect(err.message).toContain(a);
    expect(err.message).toContain(b);
    expect(err.message).toContain('build it');
  });
});

describe('locateWorkerScript: source, dist, installed package, bundle', () => {
  it('from source: the .ts file, run through tsx with the source condition', () => {
    const s = locateWorkerScript(pathToFileURL(join(tmp, 'src/pool/vgg-pool.ts')).href, 'worker', 'w.mjs');
    expect(s.filename).toBe(join(tmp, 'src/pool/worker.ts'));
    expect(s.execArgv).toContain('--conditions=@vggscope/source');
    expect(s.evalCode).toContain('register()');
  });
  it('from dist (and so from an installed package): stem.js beside the caller', () => {
    const dist = join(tmp, 'node_modules/@vggscope/kernels/dist/pool');
    mkdirSync(dist, { recursive: true });
    writeFileSync(join(dist, 'worker.js'), '');
    const s = locateWorkerScript(pathToFileURL(join(dist, 'vgg-pool.js')).href, 'worker', 'w.mjs');
    expect(s).toEqual({ filename: join(dist, 'worker.js') });
  });
  it('beside a bundle: the worker bundled as its own entry', () => {
    const fn = join(tmp, 'fn');
    mkdirSync(fn);
    writeFileSync(join(fn, 'vggscope-pool-worker.mjs'), '');
    writeFileSync(join(fn, 'worker.js'), ''); // piscina's wrapper: must not be taken for ours
    const s = locateWorkerScript(pathToFileURL(join(fn, 'handler.mjs')).href, 'worker', 'vggscope-pool-worker.mjs');
    expect(s).toEqual({ filename: join(fn, 'vggscope-pool-worker.mjs') });
  });
  it('nowhere: a typed error that says how to bundle it', () => {
    const fn = join(tmp, 'bare');
    mkdirSync(fn);
    let err: { code?: string; message?: string; hint?: string } = {};
    try {
      locateWorkerScript(pathToFileURL(join(fn, 'handler.mjs')).href, 'worker', 'vggscope-pool-worker.mjs');
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('E_INTERNAL');
    expect(err.message).toContain(join(fn, 'worker.js'));
    expect(err.message).toContain(join(fn, 'vggscope-pool-worker.mjs'));
    expect(err.hint).toContain('vggscope-pool-worker.mjs');
  });
});

describe('startWorker', () => {
  it('runs a function body with its data and settles ready on its first message', async () => {
    const shared = new Int32Array(new SharedArrayBuffer(4));
    const w = platform.startWorker('(data, post) => { Atomics.store(data.words, 0, 42); post("ready"); }', {
      words: shared,
    });
    await w.ready;
    expect(Atomics.load(shared, 0)).toBe(42);
    await w.terminate();
  });
  it('a body that throws rejects ready', async () => {
    const w = platform.startWorker('() => { throw new Error("boom"); }', {});
    await expect(w.ready).rejects.toThrow('boom');
    await w.terminate();
  });
});

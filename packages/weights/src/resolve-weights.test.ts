import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, synthH5 } from '@vggscope/test-utils';
import { type TestServer, serveBytes, startServer } from '@vggscope/test-utils/http-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '@vggscope/core';
import { loadWeights } from './load-weights.js';
import { hashFile } from './md5-file.js';
import { BUNDLED_MANIFEST, loadManifest, REPO_WEIGHTS_DIR, userCacheDir } from './manifest.js';
import { packedName, readPacked, readPackedHeader, writePacked } from './packed.js';
import { packedStampPath } from './packed-stamp.js';
import { cacheDirs, kerasCacheDir, resolveWeights, syntheticHint } from './resolve-weights.js';

const NAME = 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5';
let server: TestServer;
let h5: string;
let bytes: Buffer;
let md5: string;
let failNext = 0;

beforeAll(async () => {
  h5 = await synthH5('vgg16');
  bytes = readFileSync(h5);
  md5 = await hashFile(h5);
  server = await startServer((req, res) => {
    if (failNext > 0) {
      failNext--;
      res.writeHead(500).end();
    } else serveBytes(req, res, bytes);
  });
});
afterAll(() => server.close());

/** A fresh cache, an empty Keras home and a manifest pointing at the loopback server. */
function sandbox(manifestMd5 = md5) {
  const root = mkdtempSync(join(tmpdir(), 'resolve-'));
  const manifest = join(root, 'manifest.json');
  writeFileSync(
    manifest,
    JSON.stringify({
      files: [
        {
          name: NAME,
          model: 'vgg16',
          includeTop: false,
          md5: manifestMd5,
          bytes: bytes.length,
          urls: [`${server.url}/${NAME}`],
        },
      ],
    }),
  );
  const env = {
    VGGSCOPE_MANIFEST: manifest,
    VGGSCOPE_WEIGHTS: join(root, 'cache'),
    VGGSCOPE_HOME: join(root, 'home'),
    KERAS_HOME: join(root, 'keras'),
  };
  return { root, env, cache: env.VGGSCOPE_WEIGHTS, kerasModels: join(env.KERAS_HOME, 'models') };
}
const opts = { model: 'vgg16', includeTop: false, download: { attempts: 2, backoffMs: 10, idleTimeoutMs: 3000 } };

describe('resolveWeights', () => {
  it('downloads on first use, verifies md5, converts to packed; the next run uses the packed file', async () => {
    const s = sandbox();
    const before = server.requests.length;
    const status: string[] = [];
    const first = await resolveWeights({ ...opts, env: s.env, onStatus: (m) => status.push(m) });
    expect(first).toEqual({ path: join(s.cache, packedName('vgg16', false)), origin: 'download' });
    expect(existsSync(join(s.cache, NAME))).toBe(true);
    expect(existsSync(join(s.cache, `${NAME}.part`))).toBe(false);
    expect(status.join('\n')).toMatch(/downloading .* \(56\.1 MiB\)[\s\S]*converting/);
    const again = await resolveWeights({ ...opts, env: s.env });
    expect(again).toEqual({ path: first.path, origin: 'cache' });
    expect(server.requests.length - before).toBe(1);
    // the packed file holds exactly what the served .h5 holds
    const g = buildGraph('vgg16');
    const [a, b] = [await loadWeights(first.path, g), await loadWeights(h5, g)];
    expect(
      Buffer.compare(
        Buffer.from(a.layers.get('block5_conv3')!.kernel.data.buffer),
        Buffer.from(b.layers.get('block5_conv3')!.kernel.data.buffer),
      ),
    ).toBe(0);
  });

  it('retries a 500 during the download', async () => {
    const s = sandbox();
    failNext = 1;
    await expect(resolveWeights({ ...opts, env: s.env })).resolves.toMatchObject({ origin: 'download' });
  });

  it('reuses a good file from the Keras cache without downloading', async () => {
    const s = sandbox();
    mkdirSync(s.kerasModels, { recursive: true });
    copyFileSync(h5, join(s.kerasModels, NAME));
    const before = server.requests.length;
    await expect(resolveWeights({ ...opts, env: s.env })).resolves.toMatchObject({ origin: 'keras-cache' });
    expect(server.requests.length).toBe(before);
  });

  it("does not trust a corrupt Keras-cache file: downloads instead and leaves Keras' file alone", async () => {
    const s = sandbox();
    mkdirSync(s.kerasModels, { recursive: true });
    const corrupt = Buffer.from(bytes);
    corrupt[corrupt.length - 10] = corrupt[corrupt.length - 10]! ^ 0xff;
    writeFileSync(join(s.kerasModels, NAME), corrupt);
    const status: string[] = [];
    await expect(resolveWeights({ ...opts, env: s.env, onStatus: (m) => status.push(m) })).resolves.toMatchObject({
      origin: 'download',
    });
    expect(status[0]).toMatch(
      /ignoring .*keras\/models\/vgg16_weights_tf_dim_ordering_tf_kernels_notop\.h5: md5 \w+ is not the official/,
    );
    expect(readFileSync(join(s.kerasModels, NAME)).equals(corrupt)).toBe(true);
  });

  it('deletes a corrupt .h5 in its own cache and fetches a good one', async () => {
    const s = sandbox();
    mkdirSync(s.cache, { recursive: true });
    writeFileSync(join(s.cache, NAME), 'garbage');
    await expect(resolveWeights({ ...opts, env: s.env })).resolves.toMatchObject({ origin: 'download' });
    expect(await hashFile(join(s.cache, NAME))).toBe(md5);
  });

  it('a download failing md5 is rejected and nothing is kept', async () => {
    const s = sandbox('f'.repeat(32));
    await expect(resolveWeights({ ...opts, env: s.env })).rejects.toMatchObject({ code: 'E_DOWNLOAD' });
    expect(existsSync(join(s.cache, NAME))).toBe(false);
    expect(existsSync(join(s.cache, packedName('vgg16', false)))).toBe(false);
  });

  it('offline with nothing found: one error naming every place looked at and the commands to fix it', async () => {
    const s = sandbox();
    const err = await resolveWeights({ ...opts, env: { ...s.env, VGGSCOPE_OFFLINE: '1' } }).catch(
      (e: Error & { code: string }) => e,
    );
    expect(err).toMatchObject({ code: 'E_WEIGHTS_NOT_FOUND' });
    const msg = (err as Error).message;
    for (const p of [
      join(s.cache, 'vgg16-notop.vggw'),
      join(s.cache, 'vgg16-top.vggw'),
      join(s.cache, NAME),
      join(s.kerasModels, NAME),
    ])
      expect(msg).toContain(p);
    expect(msg).toContain('npx vggscope weights fetch --model vgg16');
    expect(msg).toContain(`curl -L -o ${join(s.cache, NAME)} ${server.url}/${NAME}`);
    expect(msg).toContain('--weights /path/to/');
  });

  it('a corrupt cached packed file is ignored, said so, and re-derived from the cached .h5', async () => {
    const s = sandbox();
    const first = await resolveWeights({ ...opts, env: s.env });
    expect(existsSync(packedStampPath(first.path))).toBe(true); // checked once, recorded
    const header = await readPackedHeader(first.path);
    const t = header.tensors.find((x) => x.layer === 'block3_conv1' && x.role === 'kernel')!;
    const bytes = readFileSync(first.path);
    bytes[t.offset + 1234] = bytes[t.offset + 1234]! ^ 0x01; // one mantissa bit
    writeFileSync(first.path, bytes);
    // the edit voids the stamp: loading checks the CRC again and refuses the file
    await expect(readPacked(first.path, buildGraph('vgg16'))).rejects.toMatchObject({ code: 'E_WEIGHTS_CHECKSUM' });
    const status: string[] = [];
    const before = server.requests.length;
    await expect(resolveWeights({ ...opts, env: s.env, onStatus: (m) => status.push(m) })).resolves.toEqual({
      path: first.path,
      origin: 'cache',
    });
    expect(status.join('\n')).toMatch(
      /ignoring corrupt cached .*vgg16-notop\.vggw: 1 tensor\(s\) fail their checksum \(block3_conv1\/kernel\); deleting it and deriving it again[\s\S]*converting/,
    );
    expect(server.requests.length).toBe(before); // re-derived from the cached .h5, not downloaded
    await expect(readPacked(first.path, buildGraph('vgg16'))).resolves.toMatchObject({ format: 'packed' });
  });

  it('a cached packed file with a garbage header is ignored and re-derived', async () => {
    const s = sandbox();
    const first = await resolveWeights({ ...opts, env: s.env });
    const bytes = readFileSync(first.path);
    bytes.writeUInt32LE(0xffffffff, 8);
    writeFileSync(first.path, bytes);
    const status: string[] = [];
    await expect(resolveWeights({ ...opts, env: s.env, onStatus: (m) => status.push(m) })).resolves.toMatchObject({
      origin: 'cache',
    });
    expect(status[0]).toMatch(/ignoring corrupt cached .*: .*packed header length 4294967295 does not fit/);
  });

  it('a sound packed file in an official slot that was not converted from the official file is moved aside, never used', async () => {
    const s = sandbox();
    mkdirSync(s.cache, { recursive: true });
    const slot = join(s.cache, packedName('vgg16', false));
    await writePacked(slot, buildGraph('vgg16'), await loadWeights(h5, buildGraph('vgg16'))); // no source md5
    mkdirSync(s.kerasModels, { recursive: true });
    copyFileSync(h5, join(s.kerasModels, NAME));
    const status: string[] = [];
    const r = await resolveWeights({ ...opts, env: s.env, onStatus: (m) => status.push(m) });
    expect(r).toEqual({ path: slot, origin: 'keras-cache' });
    expect(status[0]).toContain(`moved ${slot} to ${join(s.cache, 'vgg16-notop.not-official.vggw')}`);
    expect((await readPackedHeader(slot)).source.md5).toBe(md5);
    expect(existsSync(join(s.cache, 'vgg16-notop.not-official.vggw'))).toBe(true);
  });

  it('searches the user cache ($VGGSCOPE_HOME) after $VGGSCOPE_WEIGHTS; without either it is ~/.cache/vggscope', () => {
    expect(cacheDirs({ VGGSCOPE_WEIGHTS: '/a', VGGSCOPE_HOME: '/b' }).at(-1)).toBe('/b');
    expect(cacheDirs({ VGGSCOPE_WEIGHTS: '/a', VGGSCOPE_HOME: '/b' })[0]).toBe('/a');
    expect(userCacheDir({ HOME: '/h' })).toBe(join(homedir(), '.cache', 'vggscope'));
    expect(userCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/vggscope');
    expect(kerasCacheDir({ KERAS_HOME: '/k' })).toBe('/k/models');
  });

  it('the built-in manifest ships in the package and lists the four official files', () => {
    expect(BUNDLED_MANIFEST).toBe(join(REPO_ROOT, 'packages/weights/data/manifest.json'));
    const files = loadManifest({});
    expect(files.map((f) => `${f.model}/${f.includeTop}`).sort()).toEqual([
      'vgg16/false',
      'vgg16/true',
      'vgg19/false',
      'vgg19/true',
    ]);
    expect(files.find((f) => f.model === 'vgg16' && !f.includeTop)!.md5).toBe('6d6bbae143d832006294945121d1f1fc');
    expect(REPO_WEIGHTS_DIR).toBe(join(REPO_ROOT, 'weights'));
  });

  it('names the synthetic weights a newcomer generated when nothing official is found', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synthetic-'));
    expect(await syntheticHint('vgg16', false, dir)).toBe('');
    writeFileSync(join(dir, 'vgg16_notop.h5'), '');
    writeFileSync(join(dir, 'vgg19_notop.h5'), '');
    expect(await syntheticHint('vgg16', false, dir)).toBe(
      `  pass --weights ${join(dir, 'vgg16_notop.h5')} (synthetic, for trying the tool)\n`,
    );
    expect(await syntheticHint('vgg16', true, dir)).toBe(''); // no-top weights cannot serve the top
  });

  it('an explicit path is used as given', async () => {
    await expect(resolveWeights({ ...opts, path: '/x/y.h5', env: sandbox().env })).resolves.toEqual({
      path: '/x/y.h5',
      origin: 'explicit',
    });
  });
});

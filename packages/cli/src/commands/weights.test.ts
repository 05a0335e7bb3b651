import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { hashFile } from '@vggscope/weights';
import { synthH5, tinyWeights } from '@vggscope/test-utils';
import { serveBytes, startServer } from '@vggscope/test-utils/http-server';
import { describe, expect, it } from 'vitest';
import { spawnCli, spawnCliAsync } from '../testdata/test-cli.js';

const NAME = 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5';
const tmp = () => mkdtempSync(join(tmpdir(), 'weights-cli-'));

describe('cli weights', () => {
  it('convert of a file that is not official (no --to) writes beside it, labelled, never into the cache', async () => {
    const cache = tmp();
    const env = { VGGSCOPE_WEIGHTS: cache, VGGSCOPE_HOME: tmp(), KERAS_HOME: tmp() };
    const src = join(tmp(), 'my_vgg16.h5');
    copyFileSync(await synthH5('vgg16'), src);
    const c = spawnCli(['weights', 'convert', '--from', src], env);
    expect(c.code, c.err).toBe(0);
    const packed = join(dirname(src), 'my_vgg16.vggw');
    expect(c.out).toContain(`→ ${packed}`);
    expect(c.out).toContain('vgg16, 26 tensors, f32');
    expect(c.out).toContain(
      `not official: the source matches no official file; commands use it only with --weights ${packed}`,
    );
    expect(readdirSync(cache)).toEqual([]); // the resolver's slots stay empty
    const v = spawnCli(['weights', 'verify', packed], env);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/packed\s+vgg16 f32\s+sha256 ok\s+NOT OFFICIAL/);
    // extract with it: the weights line says it is not official
    const e = spawnCli(['extract', '--weights', packed, '--layer', 'block1_pool', '--out', tmp()], env);
    expect(e.code, e.err).toBe(0);
    expect(e.out).toMatch(/weights: .*my_vgg16\.vggw \(packed, .*\) — not official/);
    // and an official slot named with --to is refused
    const slot = spawnCli(['weights', 'convert', '--from', src, '--to', join(cache, 'vgg16-notop.vggw')], env);
    expect(slot.code).toBe(2);
    expect(slot.err).toContain('is where the official vgg16-notop weights are cached');
    expect(existsSync(join(cache, 'vgg16-notop.vggw'))).toBe(false);
    // a flipped byte fails verify with exit 4
    const bytes = readFileSync(packed);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0x40;
    writeFileSync(packed, bytes);
    const bad = spawnCli(['weights', 'verify', packed], env);
    expect(bad.code).toBe(4);
    expect(bad.err).toContain('1 file(s) failed verification');
  });

  it('convert of the official file (md5 in the manifest) fills the cache slot; list says official', async () => {
    const root = tmp();
    const h5 = await synthH5('vgg16');
    const manifest = join(root, 'manifest.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        files: [{ name: NAME, model: 'vgg16', includeTop: false, md5: await hashFile(h5), bytes: 1, urls: [] }],
      }),
    );
    const env = { VGGSCOPE_MANIFEST: manifest, VGGSCOPE_WEIGHTS: join(root, 'cache'), KERAS_HOME: tmp() };
    const c = spawnCli(['weights', 'convert', '--from', h5], env);
    expect(c.code, c.err).toBe(0);
    expect(c.out).toContain(`→ ${join(root, 'cache', 'vgg16-notop.vggw')}`);
    expect(c.out).toContain(`official: converted from ${NAME}`);
    const l = spawnCli(['weights', 'list'], env);
    expect(l.out).toMatch(/vgg16-notop\.vggw\s+packed\s+vgg16 f32\s+56\.1 MiB\s+sha256 ok\s+official/);
  });

  it('convert --dtype f16 halves the file', async () => {
    const out = join(tmp(), 'h.vggw');
    expect(spawnCli(['weights', 'convert', '--from', await synthH5('vgg16'), '--to', out, '--dtype', 'f16']).code).toBe(
      0,
    );
    expect(statSync(out).size).toBeLessThan(30e6);
  });

  it('fetch downloads from the manifest URL with progress lines, verifies and packs; extract then uses it offline', async () => {
    const h5 = await synthH5('vgg16');
    const body = readFileSync(h5);
    const server = await startServer((req, res) => serveBytes(req, res, body));
    try {
      const root = tmp();
      const manifest = join(root, 'manifest.json');
      writeFileSync(
        manifest,
        JSON.stringify({
          files: [
            {
              name: NAME,
              model: 'vgg16',
              includeTop: false,
              md5: await hashFile(h5),
              bytes: body.length,
              urls: [`${server.url}/${NAME}`],
            },
          ],
        }),
      );
      const env = {
        VGGSCOPE_MANIFEST: manifest,
        VGGSCOPE_WEIGHTS: join(root, 'cache'),
        KERAS_HOME: join(root, 'keras'),
      };
      const f = await spawnCliAsync(['weights', 'fetch', '--model', 'vgg16'], env);
      expect(f.code).toBe(0);
      expect(f.err).toMatch(
        /downloading vgg16_weights_tf_dim_ordering_tf_kernels_notop\.h5 \(56\.1 MiB\) from 127\.0\.0\.1/,
      );
      expect(f.err).toMatch(/download 100% 56\.1 MiB\/56\.1 MiB/); // a plain line per 10% when stderr is not a TTY
      expect(f.out).toContain(`weights ready: ${join(root, 'cache', 'vgg16-notop.vggw')}`);
      const out = join(root, 'features');
      const e = await spawnCliAsync(['extract', '--offline', '--layer', 'block2_pool', '--out', out], env);
      expect(e.code).toBe(0);
      expect(existsSync(join(out, 'chelsea', 'block2_pool.npy'))).toBe(true);
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('a corrupt cache never stops list or verify: bad rows say why, verify exits 4, no native abort', async () => {
    const cache = tmp();
    const env = { VGGSCOPE_WEIGHTS: cache, KERAS_HOME: tmp() };
    const header = Buffer.alloc(64, 0x20);
    header.write('VGGWPK01', 0);
    header.writeUInt32LE(0xffffffff, 8); // aborted Node from a positioned read before the header checks
    writeFileSync(join(cache, 'vgg16-notop.vggw'), header);
    header.writeUInt32LE(2 ** 31, 8);
    writeFileSync(join(cache, 'vgg19-notop.vggw'), header);
    mkdirSync(join(cache, NAME)); // an official name that is a folder
    const l = spawnCli(['weights', 'list'], env);
    expect(l.code).toBe(0);
    expect(l.out).toMatch(
      /vgg16-notop\.vggw\s+packed\s+\?\s+64 B\s+UNREADABLE \(E_WEIGHTS_FORMAT\): packed header length 4294967295 does not fit a 64-byte file/,
    );
    expect(l.out).toMatch(/vgg19-notop\.vggw .*UNREADABLE \(E_WEIGHTS_FORMAT\): packed header length 2147483648/);
    expect(l.out).toMatch(/UNREADABLE \(EISDIR\)/);
    expect(l.err).toBe('');
    const v = spawnCli(['weights', 'verify'], env);
    expect(v.code).toBe(4);
    expect(v.err).toContain('3 file(s) failed verification');
    expect(v.err).not.toMatch(/\n\s+at /);
    const one = spawnCli(['weights', 'verify', join(cache, 'vgg16-notop.vggw')], env);
    expect(one.code).toBe(4);
  });

  it('verify on a file that is not one of the official ones says so plainly, and checks what it can', async () => {
    const own = join(tmp(), 'my_vgg16.h5');
    writeFileSync(own, readFileSync(await synthH5('vgg16')));
    const ok = spawnCli(['weights', 'verify', own]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(
      /not an official file \(md5 [0-9a-f]{32} matches none\); readable, 13 layers with vgg16's shapes: ok/,
    );
    const tiny = join(tmp(), 'tiny.h5');
    writeFileSync(tiny, readFileSync(await tinyWeights('vgg16', 'h5')));
    const bad = spawnCli(['weights', 'verify', tiny, '--json']);
    expect(bad.code).toBe(4);
    expect(bad.out).toContain('not an official file');
    expect(bad.out).toContain('E_WEIGHTS_SHAPE');
  });

  it('unknown action → exit 2', () => {
    expect(spawnCli(['weights', 'frob']).code).toBe(2);
  });
});

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveCommand } from '../../cli/src/commands/serve.js';
import { parseRange, startServer } from './server.js';

// Each rule of the server, tried against the running server on 127.0.0.1 (bounded loops only).
const tmp = mkdtempSync(join(tmpdir(), 'vggscope-serve-'));
const app = join(tmp, 'app');
const secret = join(tmp, 'secret.txt');
const weightsFile = join(tmp, 'w.vggw');
const WEIGHT_BYTES = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
let base: { port: number; close(): Promise<void> };

beforeAll(async () => {
  mkdirSync(join(app, 'sample'), { recursive: true });
  writeFileSync(join(app, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(app, 'sample/a.png'), 'png');
  writeFileSync(secret, 'secret');
  writeFileSync(weightsFile, WEIGHT_BYTES);
  symlinkSync(secret, join(app, 'link-out.txt'));
  symlinkSync(join(app, 'index.html'), join(app, 'link-in.html'));
  const s = await startServer({
    appDir: app,
    weights: [{ path: weightsFile, model: 'vgg16' }],
    port: 0,
    host: '127.0.0.1',
    maxConnections: 8,
    timeouts: { headersMs: 600, requestMs: 1500, idleMs: 1500 },
  });
  base = { port: Number(new URL(s.url).port), close: s.close };
});
afterAll(async () => {
  await base?.close();
  rmSync(tmp, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}
/** One request with the path sent exactly as given (Node's client does not normalise it). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: base.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serve: only the app and the given weights', () => {
  it('the page and its files', async () => {
    expect((await get('/')).status).toBe(200);
    expect((await get('/sample/a.png')).headers['content-type']).toBe('image/png');
    expect((await get('/link-in.html')).status).toBe(200); // a link that stays inside is fine
  });
  for (const path of [
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/sample/..%2f..%2fsecret.txt',
    '/..\\secret.txt',
    `/${secret}`,
    `//${secret}`,
    '/link-out.txt',
    '/sample/',
    '/sample',
    '/%00index.html',
    '/%zz',
    '/weights/other.vggw',
    '/weights/../index.html',
  ]) {
    it(`404 for ${path}`, async () => {
      const r = await get(path);
      expect(r.status).toBe(404);
      expect(r.body.toString()).not.toContain('secret');
    });
  }
  it('GET and HEAD only', async () => {
    const r = await get('/', {}, 'POST');
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
  });
  it('every response: nosniff, a CSP, cross-origin isolation', async () => {
    for (const path of ['/', '/nope', '/weights.json']) {
      const r = await get(path);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['content-security-policy']).toContain("default-src 'self'");
      expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(r.headers['cross-origin-embedder-policy']).toBe('require-corp');
    }
  });
  it('weights.json lists the given weights', async () => {
    expect(JSON.parse((await get('/weights.json')).body.toString())).toEqual([
      {
        name: 'w.vggw',
        url: 'weights/w.vggw',
        model: 'vgg16',
        includeTop: false,
        bytes: 1000,
        sha256: createHash('sha256').update(WEIGHT_BYTES).digest('hex'),
      },
    ]);
  });
});

describe('serve: byte ranges on the weights', () => {
  const cases: [string, number, string | undefined, Buffer][] = [
    ['bytes=0-9', 206, 'bytes 0-9/1000', WEIGHT_BYTES.subarray(0, 10)],
    ['bytes=990-', 206, 'bytes 990-999/1000', WEIGHT_BYTES.subarray(990)],
    ['bytes=-5', 206, 'bytes 995-999/1000', WEIGHT_BYTES.subarray(995)],
    ['bytes=900-5000', 206, 'bytes 900-999/1000', WEIGHT_BYTES.subarray(900)],
    ['bytes=0-1,5-6', 200, undefined, WEIGHT_BYTES],
  ];
  for (const [range, status, contentRange, body] of cases) {
    it(`${range} → ${status}`, async () => {
      const r = await get('/weights/w.vggw', { Range: range });
      expect(r.status).toBe(status);
      expect(r.headers['content-range']).toBe(contentRange);
      expect(r.body.equals(body)).toBe(true);
      expect(r.headers['accept-ranges']).toBe('bytes');
    });
  }
  for (const range of ['bytes=1000-', 'bytes=5-2', 'bytes=-0', 'bytes=x-y', 'items=0-1']) {
    it(`${range} → 416 with the size`, async () => {
      const r = await get('/weights/w.vggw', { Range: range });
      expect(r.status).toBe(416);
      expect(r.headers['content-range']).toBe('bytes */1000');
    });
  }
  it('HEAD: the length, no body', async () => {
    const r = await get('/weights/w.vggw', {}, 'HEAD');
    expect(r.headers['content-length']).toBe('1000');
    expect(r.body.length).toBe(0);
  });
  it('parseRange agrees on an empty file', () => {
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
  });
});

describe('serve: a flood of slow and malformed clients', () => {
  it('garbage gets 400 and the socket closed', async () => {
    const reply = await new Promise<string>((resolve) => {
      const s = connect(base.port, '127.0.0.1', () => s.write('\x16\x03\x01 not http at all\r\n\r\n'));
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('close', () => resolve(got));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
  });
  it('32 slow clients (never finishing their headers) are cut off; the page is served again afterwards', async () => {
    const slow: Socket[] = [];
    const closed: Promise<number>[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 32; i++) {
      const s = connect(base.port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: '));
      s.on('error', () => {});
      closed.push(new Promise((resolve) => s.on('close', () => resolve(Date.now() - t0))));
      slow.push(s);
    }
    const times = await Promise.all(closed);
    expect(Math.max(...times)).toBeLessThan(5_000); // headers timeout 600 ms (+ the server's check interval)
    expect((await get('/')).status).toBe(200);
  }, 20_000);
});

describe('vggscope serve', () => {
  it('binds 127.0.0.1 by default and stops on its signal; --host says it is reachable from elsewhere', async () => {
    for (const argv of [[], ['--host', '127.0.0.1']]) {
      const out: string[] = [];
      const err: string[] = [];
      const stop = new AbortController();
      const ctx = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } };
      const running = serveCommand(['--port', '0', '--app', app, ...argv], ctx as never, stop.signal);
      for (let i = 0; i < 100 && out.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(out.join('')).toMatch(/^serving the explorer on http:\/\/127\.0\.0\.1:\d+\//);
      expect(err.join('')).toEqual(argv.length ? expect.stringContaining('not only this machine') : '');
      const url = out.join('').match(/http:\/\/\S+\//)![0];
      expect((await fetch(url)).status).toBe(200);
      stop.abort();
      expect(await running).toBe(0);
    }
  });
  it('refuses weights the page cannot read, saying how to convert them', async () => {
    const e = await serveCommand(['--weights', 'x.h5'], { stdout: { write: () => {} }, stderr: {} } as never).catch(
      (x) => x,
    );
    expect(e.code).toBe('E_USAGE');
    expect(e.hint).toContain('weights convert --from x.h5 --to x.vggw');
  });
});

it('the test secret is readable (the 404s above are the server refusing, not a missing file)', () => {
  expect(readFileSync(secret, 'utf8')).toBe('secret');
});

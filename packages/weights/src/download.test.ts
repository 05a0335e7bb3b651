import { execFile } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type TestServer, serveBytes, startServer } from '@vggscope/test-utils/http-server';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadVerified } from './download.js';

const body = randomBytes(1 << 20);
const md5 = createHash('md5').update(body).digest('hex');
const fast = { attempts: 3, backoffMs: 10, idleTimeoutMs: 2000 };
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const dest = () => join(mkdtempSync(join(tmpdir(), 'dl-')), 'w.h5');

describe('downloadVerified (loopback server)', () => {
  it('downloads, verifies md5 and renames atomically (no .part left)', async () => {
    server = await startServer((req, res) => serveBytes(req, res, body));
    const file = dest();
    const seen: number[] = [];
    await downloadVerified({
      urls: [`${server.url}/w.h5`],
      dest: file,
      md5,
      bytes: body.length,
      onProgress: (d) => seen.push(d),
      ...fast,
    });
    expect(Buffer.compare(readFileSync(file), body)).toBe(0);
    expect(readdirSync(join(file, '..'))).toEqual(['w.h5']);
    expect(seen.at(-1)).toBe(body.length);
  });

  it('md5 mismatch: rejected and nothing kept', async () => {
    server = await startServer((req, res) => serveBytes(req, res, body));
    const file = dest();
    await expect(
      downloadVerified({ urls: [`${server.url}/w.h5`], dest: file, md5: '0'.repeat(32), ...fast }),
    ).rejects.toMatchObject({
      code: 'E_DOWNLOAD',
      message: expect.stringContaining(`md5 ${md5} does not match the expected ${'0'.repeat(32)} (file deleted)`),
    });
    expect(readdirSync(join(file, '..'))).toEqual([]);
  });

  it('truncated body every time: fails after the retries, no file where a later run would trust it', async () => {
    server = await startServer((req, res) => serveBytes(req, res, body, { honourRange: false, dropAfter: 1000 }));
    const file = dest();
    await expect(
      downloadVerified({ urls: [`${server.url}/w.h5`], dest: file, md5, bytes: body.length, ...fast }),
    ).rejects.toMatchObject({
      code: 'E_DOWNLOAD',
      message: expect.stringMatching(/after 3 attempts/),
    });
    expect(existsSync(file)).toBe(false);
    expect(server.requests).toHaveLength(3);
  });

  it('404: fails at once (no retries) naming the URL and how to fix it', async () => {
    server = await startServer((_req, res) => res.writeHead(404).end());
    await expect(downloadVerified({ urls: [`${server.url}/w.h5`], dest: dest(), md5, ...fast })).rejects.toMatchObject({
      message: expect.stringMatching(
        new RegExp(`HTTP 404 from ${server.url}/w.h5[\\s\\S]*pass its path as the weights`),
      ),
      hint: expect.stringContaining('--weights'),
      // Structured, so callers compose their own report instead of splitting prose.
      failures: [{ url: `${server.url}/w.h5`, reason: expect.stringContaining('HTTP 404'), attempts: 1 }],
    });
    expect(server.requests).toHaveLength(1);
  });

  it('500 then success: retried', async () => {
    server = await startServer((req, res, n) => (n === 1 ? res.writeHead(500).end() : serveBytes(req, res, body)));
    const file = dest();
    await downloadVerified({ urls: [`${server.url}/w.h5`], dest: file, md5, bytes: body.length, ...fast });
    expect(server.requests).toHaveLength(2);
    expect(existsSync(file)).toBe(true);
  });

  it('connection dropped mid-way: resumed with Range from the byte it stopped at', async () => {
    server = await startServer((req, res, n) => serveBytes(req, res, body, n === 1 ? { dropAfter: 400_000 } : {}));
    const file = dest();
    await downloadVerified({ urls: [`${server.url}/w.h5`], dest: file, md5, bytes: body.length, ...fast });
    // The client resumes from what it really received (≤ what the server wrote before the drop).
    const [first, second] = server.requests;
    expect(first!.range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(second!.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(400_000);
    expect(Buffer.compare(readFileSync(file), body)).toBe(0);
  });

  it('a server that stalls: times out instead of hanging', async () => {
    server = await startServer((req, res) => serveBytes(req, res, body, { stallAfter: 5000 }));
    const t0 = Date.now();
    await expect(
      downloadVerified({
        urls: [`${server.url}/w.h5`],
        dest: dest(),
        md5,
        bytes: body.length,
        attempts: 1,
        idleTimeoutMs: 300,
      }),
    ).rejects.toMatchObject({
      message: expect.stringContaining('stalled'),
    });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('follows redirects', async () => {
    server = await startServer((req, res) =>
      req.url === '/old' ? res.writeHead(302, { Location: '/new/w.h5' }).end() : serveBytes(req, res, body),
    );
    const file = dest();
    await downloadVerified({ urls: [`${server.url}/old`], dest: file, md5, ...fast });
    expect(server.requests.map((r) => r.path)).toEqual(['/old', '/new/w.h5']);
    expect(existsSync(file)).toBe(true);
  });

  it('falls back to the next mirror when the first one fails', async () => {
    server = await startServer((req, res) =>
      req.url === '/a' ? res.writeHead(404).end() : serveBytes(req, res, body),
    );
    const file = dest();
    await downloadVerified({ urls: [`${server.url}/a`, `${server.url}/b`], dest: file, md5, ...fast });
    expect(existsSync(file)).toBe(true);
  });
});

describe('downloadVerified against hostile servers and concurrent runs', () => {
  it('an endless body with a lying Content-Length: stops at the manifest byte count', async () => {
    let timer: NodeJS.Timeout | undefined;
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Length': String(50 * body.length) });
      res.write(body);
      timer = setInterval(() => res.write(randomBytes(1 << 16)), 1); // and never stops
      res.on('close', () => clearInterval(timer));
    });
    const file = dest();
    const t0 = Date.now();
    await downloadVerified({ urls: [`${server.url}/w.h5`], dest: file, md5, bytes: body.length, ...fast });
    clearInterval(timer);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(Buffer.compare(readFileSync(file), body)).toBe(0);
    expect(readdirSync(join(file, '..'))).toEqual(['w.h5']);
  });

  it('an endless body of wrong bytes: cut at the byte count, md5 fails, nothing kept, message says so', async () => {
    let timer: NodeJS.Timeout | undefined;
    server = await startServer((_req, res) => {
      res.writeHead(200);
      timer = setInterval(() => res.write(randomBytes(1 << 16)), 1);
      res.on('close', () => clearInterval(timer));
    });
    const file = dest();
    const err = await downloadVerified({
      urls: [`${server.url}/w.h5`],
      dest: file,
      md5,
      bytes: body.length,
      ...fast,
    }).catch((e: Error) => e);
    clearInterval(timer);
    expect(err).toMatchObject({
      code: 'E_DOWNLOAD',
      message: expect.stringContaining(
        `the server sent more than the ${body.length} bytes the manifest lists; stopped there`,
      ),
    });
    expect(readdirSync(join(file, '..'))).toEqual([]);
  });

  it('a stale .part with wrong bytes: the resumed file fails md5, so it is fetched once more from scratch', async () => {
    server = await startServer((req, res) => serveBytes(req, res, body));
    const file = dest();
    writeFileSync(`${file}.part`, randomBytes(300_000)); // wrong bytes, as if from another file
    await downloadVerified({ urls: [`${server.url}/w.h5`], dest: file, md5, bytes: body.length, ...fast });
    expect(server.requests.map((r) => r.range)).toEqual(['bytes=300000-', undefined]);
    expect(Buffer.compare(readFileSync(file), body)).toBe(0);
    expect(readdirSync(join(file, '..'))).toEqual(['w.h5']);
  });

  it('a complete but wrong stale .part: also retried from scratch', async () => {
    server = await startServer((req, res) => serveBytes(req, res, body));
    const file = dest();
    writeFileSync(`${file}.part`, randomBytes(body.length));
    await downloadVerified({ urls: [`${server.url}/w.h5`], dest: file, md5, bytes: body.length, ...fast });
    expect(server.requests).toHaveLength(1);
    expect(Buffer.compare(readFileSync(file), body)).toBe(0);
  });

  it("two processes, one cache: the second waits on the lock and reuses the first one's file", async () => {
    // a slow server: 64 KiB every 5 ms, ~80 ms for the whole body
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Length': body.length });
      let at = 0;
      const t = setInterval(() => {
        res.write(body.subarray(at, (at += 1 << 16)));
        if (at >= body.length) {
          clearInterval(t);
          res.end();
        }
      }, 5);
    });
    const file = dest();
    const waits: string[] = [];
    const o = { urls: [`${server.url}/w.h5`], dest: file, md5, bytes: body.length, ...fast };
    await Promise.all([
      downloadVerified(o),
      new Promise((r) => setTimeout(r, 20)).then(() => downloadVerified({ ...o, onWait: (m) => waits.push(m) })),
    ]);
    expect(server.requests).toHaveLength(1);
    expect(waits[0]).toMatch(new RegExp(`waiting for process ${process.pid} on .* \\(lock .*w\\.h5\\.lock`));
    expect(Buffer.compare(readFileSync(file), body)).toBe(0);
    expect(readdirSync(join(file, '..'))).toEqual(['w.h5']);
  });

  it('a stale lock (dead holder, or not refreshed) is taken over', async () => {
    server = await startServer((req, res) => serveBytes(req, res, body));
    const file = dest();
    writeFileSync(
      `${file}.lock`,
      JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), since: '2020-01-01T00:00:00Z' }),
    );
    await downloadVerified({ urls: [`${server.url}/w.h5`], dest: file, md5, bytes: body.length, ...fast });
    expect(existsSync(file)).toBe(true);
    const file2 = dest();
    writeFileSync(
      `${file2}.lock`,
      JSON.stringify({ pid: process.pid, host: 'elsewhere', since: '2020-01-01T00:00:00Z' }),
    );
    utimesSync(`${file2}.lock`, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await downloadVerified({ urls: [`${server.url}/w.h5`], dest: file2, md5, bytes: body.length, ...fast });
    expect(readdirSync(join(file2, '..'))).toEqual(['w.h5']);
  });
});

describe('downloadVerified in two real processes', () => {
  it('both succeed, one request reaches the server, the second process reports that it waited', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Length': body.length });
      let at = 0;
      const t = setInterval(() => {
        res.write(body.subarray(at, (at += 1 << 15)));
        if (at >= body.length) {
          clearInterval(t);
          res.end();
        }
      }, 10); // ~320 ms for the body: long enough for the second process to find the lock
    });
    const file = dest();
    const script = join(mkdtempSync(join(tmpdir(), 'dl-proc-')), 'dl.mjs');
    writeFileSync(
      script,
      `const { downloadVerified } = await import(${JSON.stringify(new URL('./download.ts', import.meta.url).href)});
       await downloadVerified({ urls: [${JSON.stringify(`${server.url}/w.h5`)}], dest: ${JSON.stringify(file)}, md5: ${JSON.stringify(md5)},
         bytes: ${body.length}, attempts: 2, backoffMs: 10, idleTimeoutMs: 5000, onWait: (m) => console.log('WAIT', m) });
       console.log('DONE');`,
    );
    const tsx = fileURLToPath(import.meta.resolve('tsx/cli'));
    const run = (delayMs: number) =>
      new Promise<string>((resolve) => {
        setTimeout(
          () =>
            execFile(process.execPath, [tsx, script], (err, stdout, stderr) => resolve(err ? `ERR ${stderr}` : stdout)),
          delayMs,
        );
      });
    const outs = await Promise.all([run(0), run(400)]);
    expect(
      outs.every((o) => o.includes('DONE')),
      outs.join('\n'),
    ).toBe(true);
    expect(outs.filter((o) => o.includes('WAIT waiting for process')).length).toBeLessThanOrEqual(1);
    expect(server.requests).toHaveLength(1);
    expect(Buffer.compare(readFileSync(file), body)).toBe(0);
    expect(readdirSync(join(file, '..'))).toEqual(['w.h5']);
  });
});

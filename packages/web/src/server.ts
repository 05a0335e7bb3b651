import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { basename, extname, join, posix, sep } from 'node:path';

export interface ServedWeights {
  /** The file on disk. */
  readonly path: string;
  /** The model its header names (`vgg16`, `tiny-vgg16`, …). */
  readonly model: string;
  /** Whether it holds the classifier (the page then shows the top-5). */
  readonly includeTop?: boolean;
}

export interface ServeOptions {
  readonly appDir: string;
  readonly weights: readonly ServedWeights[];
  readonly port: number;
  readonly host: string;
  /** Open connections at most; more are refused (default 64). */
  readonly maxConnections?: number;
  /** Milliseconds a client may take to send its headers, its whole request, and between bytes (default 10 s, 30 s, 30 s). */
  readonly timeouts?: { readonly headersMs?: number; readonly requestMs?: number; readonly idleMs?: number };
  /** Send COOP/COEP (default true): without them the page has no shared memory and runs on one thread. */
  readonly isolate?: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.vggw': 'application/octet-stream',
};

/**
 * What every response carries: cross-origin isolation (COOP + COEP, so the page gets shared memory
 * and threads), no MIME sniffing, and a CSP that allows this origin's scripts, wasm compilation and
 * the blob: workers of the kernel team — nothing from elsewhere.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; img-src 'self' blob: data:; " +
    "style-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

/**
 * The explorer's server: the app's files and the given weights, nothing else. Paths are decoded
 * once and must stay inside the app folder after resolving symlinks (`..`, `%2e%2e`, absolute
 * paths, links out → 404); no directory listings; GET and HEAD only; single byte ranges on any
 * file. Slow or malformed clients are cut off by the header, request and idle timeouts, and at
 * most `maxConnections` sockets are open at once.
 */
export function startServer(options: ServeOptions): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const root = realpathSync(options.appDir);
  const weights = new Map(options.weights.map((w) => [basename(w.path), w]));
  const listing = JSON.stringify(
    [...weights].map(([name, w]) => ({
      name,
      url: `weights/${encodeURIComponent(name)}`,
      model: w.model,
      includeTop: w.includeTop ?? false,
      bytes: statSync(w.path).size,
      // The page checks its cached copy against this before using it (Cache Storage can hold a stale or torn file).
      sha256: createHash('sha256').update(readFileSync(w.path)).digest('hex'),
    })),
  );
  const t = { headersMs: 10_000, requestMs: 30_000, idleMs: 30_000, ...options.timeouts };
  const server = createServer(
    { requestTimeout: t.requestMs, headersTimeout: t.headersMs, keepAliveTimeout: 5_000 },
    (req, res) => handle(req, res, root, weights, listing, options.isolate ?? true),
  );
  server.maxConnections = options.maxConnections ?? 64;
  server.setTimeout(t.idleMs, (socket) => socket.destroy()); // idle sockets (slowloris) are dropped
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({
        server,
        url: `http://${host}:${port}/`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function handle(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  weights: ReadonlyMap<string, ServedWeights>,
  listing: string,
  isolate: boolean,
): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS))
    if (isolate || !k.startsWith('Cross-Origin-')) res.setHeader(k, v);
  res.setHeader('Cache-Control', 'no-cache');
  if (req.method !== 'GET' && req.method !== 'HEAD') return status(res, 405, { Allow: 'GET, HEAD' });
  const path = decodePath(req.url ?? '/');
  if (path === undefined) return status(res, 404);
  if (path === '/weights.json') return body(req, res, 'application/json', listing);
  if (path.startsWith('/weights/')) {
    const w = weights.get(path.slice('/weights/'.length));
    return w ? sendFile(req, res, w.path, TYPES['.vggw']!) : status(res, 404);
  }
  const file = insideRoot(root, path === '/' ? '/index.html' : path);
  if (!file) return status(res, 404);
  sendFile(req, res, file, TYPES[extname(file)] ?? 'application/octet-stream');
}

/** The request path, percent-decoded once, or undefined when it is malformed or tries to climb. */
function decodePath(url: string): string | undefined {
  const raw = url.split('?')[0]!.split('#')[0]!;
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (!path.startsWith('/') || path.includes('\0') || path.includes('\\')) return undefined;
  if (path.split('/').some((s) => s === '..' || s === '.')) return undefined;
  return posix.normalize(path);
}

/** The real path of `path` under `root` when it is a regular file there (symlinks resolved), else undefined. */
function insideRoot(root: string, path: string): string | undefined {
  try {
    const real = realpathSync(join(root, path));
    if (!real.startsWith(root + sep)) return undefined;
    return statSync(real).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

function status(res: ServerResponse, code: number, headers: Record<string, string> = {}): void {
  res.writeHead(code, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': '0' });
  res.end();
}

function body(req: IncomingMessage, res: ServerResponse, type: string, text: string): void {
  const bytes = Buffer.from(text);
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': String(bytes.length) });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** A file, whole or one byte range of it (RFC 9110: bad or unsatisfiable ranges → 416, several → the whole file). */
function sendFile(req: IncomingMessage, res: ServerResponse, file: string, type: string): void {
  const size = statSync(file).size;
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', type);
  const range = parseRange(req.headers.range, size);
  if (range === 'unsatisfiable') return status(res, 416, { 'Content-Range': `bytes */${size}` });
  const [start, end] = range ?? [0, size - 1];
  const length = size === 0 ? 0 : end - start + 1;
  if (range) res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
  res.writeHead(range ? 206 : 200, { 'Content-Length': String(length) });
  if (req.method === 'HEAD' || length === 0) return void res.end();
  const stream = createReadStream(file, { start, end });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

export function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return header.startsWith('bytes=') && header.includes(',') ? undefined : 'unsatisfiable';
  const [, a, b] = m;
  if (a === '' && b === '') return 'unsatisfiable';
  let start: number;
  let end: number;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (!Number.isSafeInteger(start) || start >= size || end < start) return 'unsatisfiable';
  return [start, end];
}

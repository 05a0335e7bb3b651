import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  path: string;
  range?: string;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` — loopback only. */
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

/** A loopback HTTP server for downloader tests; `n` counts requests from 1. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    requests.push({ path: req.url ?? '', range: req.headers.range });
    handler(req, res, requests.length);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export interface ServeOptions {
  /** Answer Range requests with 206 (default true). */
  honourRange?: boolean;
  /** Send only this many bytes of the body, then end the connection abruptly. */
  dropAfter?: number;
  /** Send this many bytes, then go silent (keep the socket open). */
  stallAfter?: number;
}

/** Serves `body` like a static file server, with the failure modes tests need. */
export function serveBytes(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Uint8Array,
  o: ServeOptions = {},
): void {
  let start = 0;
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m && (o.honourRange ?? true)) {
    start = Number(m[1]);
    res.writeHead(206, {
      'Content-Length': body.length - start,
      'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`,
    });
  } else {
    res.writeHead(200, { 'Content-Length': body.length });
  }
  const rest = body.subarray(start);
  if (o.dropAfter !== undefined) {
    res.write(rest.subarray(0, o.dropAfter), () => res.socket?.destroy());
  } else if (o.stallAfter !== undefined) {
    res.write(rest.subarray(0, o.stallAfter)); // and never end
  } else {
    res.end(rest);
  }
}

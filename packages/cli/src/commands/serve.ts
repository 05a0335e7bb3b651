import { VggError } from '@vggscope/core';
import { readPackedHeader } from '@vggscope/weights';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../options.js';

export const SERVE_HELP = `vggscope serve — the explorer page: the engine in your browser (feature maps, times, .npy downloads)

Usage:
  vggscope serve [--port 8080] [--host ADDRESS] [--weights FILE.vggw]... [--app DIR]

Serves the explorer page (built by 'npm run build:web'; built on first use in the repository) and the
given packed weights, with the headers that give the page threads (cross-origin isolation: COOP + COEP).
Binds 127.0.0.1 unless --host says otherwise. Serves nothing but the page's files and the weights named
here. Stop with Ctrl-C.

The page reads packed weights (.vggw); convert others with: vggscope weights convert --from X.h5 --to X.vggw

Examples:
  npx vggscope serve --weights weights/vgg16-notop.vggw
  npx vggscope serve --port 9000 --weights a.vggw --weights b.vggw
  npx vggscope serve --host 0.0.0.0 --weights vgg16-notop.vggw   # reachable from your network
`;

/** Starts the server and resolves when it is stopped (SIGINT/SIGTERM, or `signal`). */
export async function serveCommand(argv: string[], ctx: CommandContext, signal?: AbortSignal): Promise<number> {
  const { values } = parseCommandArgs('serve', argv, {
    port: { type: 'string', default: '8080' },
    host: { type: 'string' },
    weights: { type: 'string', multiple: true, default: [] },
    app: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    ctx.stdout.write(SERVE_HELP);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new VggError('E_USAGE', `serve: --port must be a whole number from 0 to 65535, got '${values.port}'`, {
      hint: '--port 8080',
    });
  const weights = [];
  for (const path of values.weights as string[]) {
    if (!path.endsWith('.vggw'))
      throw new VggError('E_USAGE', `serve: the page reads packed weights (.vggw), got '${path}'`, {
        hint: `vggscope weights convert --from ${path} --to ${path.replace(/\.[^./]*$/, '')}.vggw`,
      });
    const header = await readPackedHeader(path);
    weights.push({ path, model: header.model, includeTop: header.includeTop });
  }
  const web = await import('@vggscope/web').catch((e) => {
    throw new VggError('E_USAGE', 'serve: the explorer page is built from the repository sources (npm run build:web)', {
      cause: e,
      hint: 'run vggscope serve from a clone of the repository',
    });
  });
  const appDir = await web.ensureApp(values.app);
  const host = values.host ?? '127.0.0.1';
  const server = await web.startServer({ appDir, weights, port, host });
  if (values.host !== undefined)
    ctx.stderr.write(
      `serve: listening on ${host}, not only this machine: anyone who can reach it can use the page and download the weights\n`,
    );
  ctx.stdout.write(
    `serving the explorer on ${server.url} (${weights.length} weights file${weights.length === 1 ? '' : 's'}); Ctrl-C stops\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  await server.close();
  return 0;
}

import { unavailable } from './memory-files.js';

// node:path (POSIX, enough for the readers' messages), node:url, node:os, node:module,
// node:crypto, node:worker_threads: what the shared modules touch at load time or on paths the page uses.
export const sep = '/';
export function join(...parts: string[]): string {
  return normalize(parts.filter(Boolean).join('/'));
}
export function resolve(...parts: string[]): string {
  return normalize(parts.reduce((a, p) => (p.startsWith('/') ? p : `${a}/${p}`), '/'));
}
function normalize(p: string): string {
  const out: string[] = [];
  for (const s of p.split('/')) {
    if (s === '..') out.pop();
    else if (s && s !== '.') out.push(s);
  }
  return (p.startsWith('/') ? '/' : '') + out.join('/');
}
export const dirname = (p: string): string => p.slice(0, Math.max(0, p.lastIndexOf('/'))) || '.';
export const basename = (p: string, ext?: string): string => {
  const b = p.slice(p.lastIndexOf('/') + 1);
  return ext && b.endsWith(ext) ? b.slice(0, -ext.length) : b;
};
export const extname = (p: string): string => {
  const b = basename(p);
  const i = b.lastIndexOf('.');
  return i > 0 ? b.slice(i) : '';
};
export const relative = (from: string, to: string): string =>
  to.startsWith(`${from}/`) ? to.slice(from.length + 1) : to;
export const isAbsolute = (p: string): boolean => p.startsWith('/');
export const fileURLToPath = (u: string | URL): string => new URL(String(u)).pathname;
export const pathToFileURL = (p: string): URL => new URL(`file://${p}`);
export const availableParallelism = (): number => navigator.hardwareConcurrency ?? 1;
export const cpus = (): unknown[] => new Array(availableParallelism()).fill({});
export const tmpdir = (): string => '/tmp';
export const homedir = (): string => '/home';
export const hostname = (): string => 'browser';
export const platform = (): string => 'browser';
export const createRequire = () => Object.assign(unavailable('require'), { resolve: (s: string) => s });
export const createHash = unavailable('crypto.createHash');
export const randomBytes = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));
export const Worker = unavailable('worker_threads.Worker');
export const parentPort = null;
export const workerData = undefined;
export const isMainThread = true;
export const setFlagsFromString = (): void => {};
export default { sep, join, resolve, dirname, basename, extname, relative, isAbsolute };

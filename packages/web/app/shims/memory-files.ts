/**
 * The page's file system: the engine's Node-side readers (the packed weights reader, the image
 * loader) open paths; in the browser those paths name byte arrays the page put here first (a
 * fetched or chosen weights file, a chosen image). One implementation of each reader, everywhere.
 */
const files = new Map<string, Uint8Array>();

export function putFile(path: string, bytes: Uint8Array): void {
  files.set(path, bytes);
}

export function dropFile(path: string): void {
  files.delete(path);
}

export function fileBytes(path: string | URL): Uint8Array {
  const key = typeof path === 'string' ? path : path.pathname;
  const bytes = files.get(key);
  if (!bytes) throw Object.assign(new Error(`ENOENT: no such file '${key}'`), { code: 'ENOENT' });
  return bytes;
}

/**
 * A file's stat, or a folder's when the path is a prefix of held files (a tfjs folder the user
 * picked: `model.json` and its shards under one folder path); ENOENT otherwise.
 */
export function statOf(path: string | URL): {
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
  isFile(): boolean;
  isDirectory(): boolean;
} {
  const key = typeof path === 'string' ? path : path.pathname;
  const folder = !files.has(key) && [...files.keys()].some((k) => k.startsWith(`${key.replace(/\/$/, '')}/`));
  const size = folder ? 0 : fileBytes(key).length;
  return { size, mtimeMs: 0, ino: 0, dev: 0, isFile: () => !folder, isDirectory: () => folder };
}

export function hasFile(path: string | URL): boolean {
  return files.has(typeof path === 'string' ? path : path.pathname);
}

export function unavailable(name: string): (...args: unknown[]) => never {
  return () => {
    throw Object.assign(new Error(`${name} is not available in the browser`), { code: 'ENOTSUP' });
  };
}

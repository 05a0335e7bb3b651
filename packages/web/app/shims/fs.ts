import { fileBytes, hasFile, statOf, unavailable } from './memory-files.js';

// node:fs over the page's in-memory files (read-only). File descriptors index open paths.
const open: (string | undefined)[] = [];

export function openSync(path: string): number {
  fileBytes(path);
  open.push(path);
  return open.length - 1;
}
export function closeSync(fd: number): void {
  open[fd] = undefined;
}
function pathOf(fd: number): string {
  const p = open[fd];
  if (p === undefined) throw Object.assign(new Error('EBADF'), { code: 'EBADF' });
  return p;
}
export function fstatSync(fd: number): { size: number; mtimeMs: number; ino: number; dev: number } {
  return statOf(pathOf(fd));
}
export function statSync(path: string): ReturnType<typeof statOf> {
  return statOf(path);
}
export function readSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
  const bytes = fileBytes(pathOf(fd));
  const n = Math.max(0, Math.min(length, bytes.length - position));
  buf.set(bytes.subarray(position, position + n), offset);
  return n;
}
export function readFileSync(path: string | URL, encoding?: string): Uint8Array | string {
  const bytes = fileBytes(path);
  return encoding ? new TextDecoder().decode(bytes) : bytes;
}
export function existsSync(path: string | URL): boolean {
  return hasFile(path);
}
export const rmSync = (): void => {};
export const createReadStream = unavailable('fs.createReadStream');
export const createWriteStream = unavailable('fs.createWriteStream');
export const mkdtempSync = unavailable('fs.mkdtempSync');
export const readdirSync = unavailable('fs.readdirSync');
export const writeFileSync = unavailable('fs.writeFileSync');
export const renameSync = unavailable('fs.renameSync');
export const mkdirSync = unavailable('fs.mkdirSync');
export const promises = {};
export default { openSync, closeSync, fstatSync, statSync, readSync, readFileSync, existsSync, rmSync };

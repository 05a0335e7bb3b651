import { fileBytes, unavailable } from './memory-files.js';

// node:fs/promises over the page's in-memory files (read-only).
export async function readFile(path: string | URL, encoding?: string): Promise<Uint8Array | string> {
  const bytes = fileBytes(path);
  return encoding ? new TextDecoder().decode(bytes) : bytes;
}
export async function stat(path: string): Promise<{ size: number; mtimeMs: number; isFile(): boolean }> {
  return { size: fileBytes(path).length, mtimeMs: 0, isFile: () => true };
}
export class FileHandle {}
export const open = unavailable('fs.promises.open');
export const mkdir = unavailable('fs.promises.mkdir');
export const readdir = unavailable('fs.promises.readdir');
export const rename = unavailable('fs.promises.rename');
export const rm = unavailable('fs.promises.rm');
export const utimes = unavailable('fs.promises.utimes');
export const writeFile = unavailable('fs.promises.writeFile');
export default { readFile, stat };

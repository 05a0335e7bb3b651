import { fileBytes, statOf, unavailable } from './memory-files.js';

// node:fs/promises over the page's in-memory files (read-only).
export async function readFile(path: string | URL, encoding?: string): Promise<Uint8Array | string> {
  const bytes = fileBytes(path);
  return encoding ? new TextDecoder().decode(bytes) : bytes;
}
export async function stat(path: string): Promise<ReturnType<typeof statOf>> {
  return statOf(path);
}
/** A read-only handle on an in-memory file (the weight readers sniff magic bytes and read shards this way). */
export class FileHandle {
  constructor(private readonly bytes: Uint8Array) {}
  async read(buf: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    const n = Math.max(0, Math.min(length, this.bytes.length - position));
    buf.set(this.bytes.subarray(position, position + n), offset);
    return { bytesRead: n };
  }
  async stat(): Promise<{ size: number }> {
    return { size: this.bytes.length };
  }
  async close(): Promise<void> {}
}
export async function open(path: string, flags = 'r'): Promise<FileHandle> {
  if (flags !== 'r') return unavailable(`fs.promises.open(…, '${flags}')`)();
  return new FileHandle(fileBytes(path));
}
export const mkdir = unavailable('fs.promises.mkdir');
export const readdir = unavailable('fs.promises.readdir');
export const rename = unavailable('fs.promises.rename');
export const rm = unavailable('fs.promises.rm');
export const utimes = unavailable('fs.promises.utimes');
export const writeFile = unavailable('fs.promises.writeFile');
export default { readFile, stat };

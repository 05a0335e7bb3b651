import { open } from 'node:fs/promises';
import { npyMatches } from './npy.js';

/**
 * True when the file at `path` is a complete float32 `.npy` of exactly `shape` (its header parses,
 * dtype `<f4`, C order, and the file is as long as the header says). A missing, empty, truncated or
 * differently shaped file is false: `--skip-existing` recomputes it.
 */
export async function npyFileMatches(path: string, shape: readonly number[]): Promise<boolean> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return false;
  try {
    const info = await fh.stat();
    if (!info.isFile()) return false;
    const size = info.size;
    const head = new Uint8Array(Math.min(size, 4096));
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return npyMatches(head.subarray(0, bytesRead), shape, size);
  } catch {
    return false;
  } finally {
    await fh.close();
  }
}

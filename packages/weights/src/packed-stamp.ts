import { closeSync, fstatSync, openSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '@vggscope/io';

/**
 * "Verified once and recorded": after every tensor of a cached packed file has passed its check,
 * resolve-weights writes a hidden stamp beside it holding the file's identity (device, inode, size,
 * mtime and ctime in ns). While the stamp matches, loading skips the per-tensor CRC and runs at the
 * raw-read floor (~9 ms for VGG16 no-top, against ~21 ms with the CRC). Any write to the file, a
 * `touch`, a copy or a replacement changes its ctime or inode and voids the stamp, so the next load
 * checks every tensor again; a failed check deletes the stamp. The stamp also records the file's md5,
 * which the CLI prints for provenance: hashing VGG16 no-top again took ≈ 0.13 s of every run's start.
 */
export function packedStampPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.verified`;
}

export type FileIdentity = Record<'dev' | 'ino' | 'size' | 'mtimeNs' | 'ctimeNs', string>;

export function identityOf(fd: number): FileIdentity {
  const s = fstatSync(fd, { bigint: true });
  return { dev: `${s.dev}`, ino: `${s.ino}`, size: `${s.size}`, mtimeNs: `${s.mtimeNs}`, ctimeNs: `${s.ctimeNs}` };
}

export const sameIdentity = (a: FileIdentity, b: FileIdentity) =>
  (Object.keys(a) as (keyof FileIdentity)[]).every((k) => a[k] === b[k]);

/** What a stamp holds: the file's identity and, since stamps record it, the file's md5. */
type Stamp = FileIdentity & { md5?: string };

/** The stamp of the open file `fd` (of `path`) when it was written for this very file, else undefined. */
function validStamp(path: string, fd: number): Stamp | undefined {
  let stamp: unknown;
  try {
    stamp = JSON.parse(readFileSync(packedStampPath(path), 'utf8'));
  } catch {
    return undefined;
  }
  return typeof stamp === 'object' && stamp !== null && sameIdentity(identityOf(fd), stamp as FileIdentity)
    ? (stamp as Stamp)
    : undefined;
}

/** True when the open file `fd` (of `path`) is the very file a stamp was written for. */
export function hasValidStamp(path: string, fd: number): boolean {
  return validStamp(path, fd) !== undefined;
}

/**
 * The md5 of `path` recorded by its stamp, while the stamp matches the file; undefined otherwise
 * (no stamp, a changed file, a stamp written before stamps held the md5, an unreadable path).
 * @example stampedMd5('~/.cache/vggscope/vgg16-notop.vggw') // 'a86bf315…' for a cached, verified file
 */
export function stampedMd5(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const md5 = validStamp(path, fd)?.md5;
    return typeof md5 === 'string' && /^[0-9a-f]{32}$/.test(md5) ? md5 : undefined;
  } finally {
    closeSync(fd);
  }
}

/** Records that `path`, with identity `id` (taken before and after the check and the hash), passed a full check. */
export async function writeStamp(path: string, id: FileIdentity, md5: string): Promise<void> {
  const stamp: Stamp = { ...id, md5 };
  await writeFileAtomic(packedStampPath(path), new TextEncoder().encode(JSON.stringify(stamp)));
}

export function dropStamp(path: string): void {
  rmSync(packedStampPath(path), { force: true });
}

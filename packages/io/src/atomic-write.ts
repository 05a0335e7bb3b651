import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { outputError } from './output-error.js';

/** `.<name>.<pid>.<8 hex>.tmp`: the only temp files vggscope writes, so the only ones it cleans. */
const TEMP_NAME = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** A temp file name beside `path` (same folder, so the final rename is atomic). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Creates `dir` (and parents) or throws `E_OUTPUT` saying why it cannot be. */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw outputError(dir, e);
  }
}

/**
 * Checks, before any work, that files can be created in `dir`, without creating anything that
 * would be left behind if the run then fails: the nearest existing ancestor must be a folder we
 * can create files in. A folder under a regular file (ENOTDIR), a read-only mount (EROFS) or a
 * folder without write permission (EACCES) → `E_OUTPUT` naming `dir`.
 */
export async function probeWritable(dir: string): Promise<void> {
  let existing = resolve(dir);
  let info = await stat(existing).catch(() => undefined);
  while (!info && dirname(existing) !== existing) {
    existing = dirname(existing);
    info = await stat(existing).catch(() => undefined);
  }
  if (info && !info.isDirectory()) {
    throw outputError(
      dir,
      Object.assign(new Error(`'${existing}' is not a folder`), {
        code: existing === resolve(dir) ? 'EEXIST' : 'ENOTDIR',
      }),
    );
  }
  const probe = tempPathFor(join(existing, 'probe'));
  try {
    await (await open(probe, 'wx')).close();
  } catch (e) {
    throw outputError(dir, e);
  } finally {
    await rm(probe, { force: true }).catch(() => {});
  }
}

/**
 * Opens a temp file beside `path` for a writer that fills it piece by piece and renames it onto
 * `path` when complete (the npz and stacked writers); the folder is created, faults are `E_OUTPUT`.
 */
export async function openTempFor(path: string): Promise<{ fh: FileHandle; tmp: string }> {
  await ensureDir(dirname(path));
  const tmp = tempPathFor(path);
  const fh = await open(tmp, 'w').catch((e: unknown) => {
    throw outputError(path, e);
  });
  return { fh, tmp };
}

/**
 * Writes all of `bytes` at `position` of a file from `openTempFor` (a positioned write may write
 * fewer bytes than asked, so it loops); a fault is `E_OUTPUT` naming `path`, the file being made.
 */
export async function writeAllAt(fh: FileHandle, bytes: Uint8Array, position: number, path: string): Promise<void> {
  for (let done = 0; done < bytes.length;) {
    const written = await fh.write(bytes, done, bytes.length - done, position + done).catch((e: unknown) => {
      throw outputError(path, e);
    });
    done += written.bytesWritten;
  }
}

/**
 * Writes a file so that readers see either the old content or the complete new one, never a
 * partial file: write a temp file in the same folder, then rename over the target. File-system
 * faults (read-only, full disk, a file where a folder should be) become `E_OUTPUT`.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
  await ensureDir(dirname(path));
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, Array.isArray(data) ? Buffer.concat(data as Uint8Array[]) : (data as Uint8Array));
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw outputError(path, e);
  }
}

export interface CleanTempsOptions {
  now?: number;
  /**
   * The processes that wrote them are known to be gone, wherever they ran (a queue shard's earlier
   * attempt, perhaps on another machine, whose pids mean nothing here): remove every one not ours.
   */
  writersGone?: boolean;
}

/**
 * Removes temp files of our own naming left in `dir` by a run that was killed (SIGKILL, power
 * loss): those whose process is gone, or any older than a day (or all but this process's, with
 * `writersGone`). Returns the names removed. Never touches other files; a missing folder is fine.
 */
export async function cleanStaleTemps(dir: string, options: CleanTempsOptions = {}): Promise<string[]> {
  const now = options.now ?? Date.now();
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid === process.pid) continue; // a write of this process may be under way
    const path = join(dir, name);
    const stale =
      options.writersGone ||
      !processAlive(pid) ||
      (await stat(path).then(
        (s) => now - s.mtimeMs > 86_400_000,
        () => false,
      ));
    if (stale) {
      await rm(path, { force: true }).catch(() => {});
      removed.push(name);
    }
  }
  return removed;
}

/**
 * `cleanStaleTemps` over an output folder and the folder of every output key in it (where the
 * per-image `.npy` files go): what folder mode does before a run and the queue before a retried
 * shard. Returns how many files it removed.
 */
export async function cleanOutputTemps(
  outDir: string,
  keys: readonly string[],
  options: CleanTempsOptions = {},
): Promise<number> {
  const dirs = new Set([outDir, ...keys.map((k) => join(outDir, ...k.split('/')))]);
  let removed = 0;
  for (const d of dirs) removed += (await cleanStaleTemps(d, options)).length;
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

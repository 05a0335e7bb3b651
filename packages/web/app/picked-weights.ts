// Weights the user picked (a file or a tfjs folder), kept in the browser once the engine accepted
// them, so that a later visit offers them without a file picker. They live in the origin private
// file system (OPFS), not in Cache Storage beside the server's weights: Cache Storage keys
// Responses by URL and a picked file has none, while OPFS holds plain files, written and read as
// streams (a 500 MB `.h5` is never wrapped in a Response), one folder per pick, removed as one.
//
// Layout: `vggscope-picked-v1/index.json` lists the entries, most recently picked or used first;
// each entry is a folder named by its sha256 holding its files as `0`, `1`, … (the index keeps
// their paths: a path is the user's, never a name in OPFS). The index is written last, so a pick
// cut short (a closed tab, a full disk) is a folder no entry names, swept on the next store.
import { VggError } from '@vggscope/core';
import { type Progress, readWithProgress, sha256 } from './weights-cache.js';

/**
 * At most this many picks are kept (the most recently picked or used; older ones are removed): a
 * count rather than a byte cap, since the browser's quota already bounds the bytes (checked before
 * each store) and three full VGG19s are 1.7 GB at most.
 */
export const MAX_PICKS = 3;
const DIR = 'vggscope-picked-v1';
const INDEX = 'index.json';

export interface PickedFile {
  readonly path: string;
  readonly bytes: ArrayBuffer;
}

export interface CachedPick {
  /** The pick's sha256 (`pickSha256`), also its folder's name. */
  readonly sha256: string;
  /** The file's name, or the tfjs folder's. */
  readonly name: string;
  readonly model: string;
  readonly includeTop: boolean;
  /** As the engine's reader found it: `packed`, `keras-h5`, `tfjs-layers`. */
  readonly format: string;
  /** All its files' bytes. */
  readonly bytes: number;
  readonly files: readonly { readonly path: string; readonly bytes: number }[];
}

/** Why picks cannot be kept here (no OPFS, the quota), in words for the user. */
export class StorageProblem extends Error {}

/**
 * The sha256 of picked weights: of the bytes for one file (what `sha256sum` prints for it); for a
 * tfjs folder, of its `sha256sum` listing — `<hex>  <path in the folder>\n` per file, by path —
 * which is what `cd folder && LC_ALL=C sha256sum * | sha256sum` prints. The folder picker and loose
 * files chosen together give the same sum.
 */
export async function pickSha256(name: string, files: readonly PickedFile[]): Promise<string> {
  if (files.length === 1 && files[0]!.path === name) return sha256(files[0]!.bytes);
  const inFolder = (p: string) => (p.startsWith(`${name}/`) ? p.slice(name.length + 1) : p);
  const lines = await Promise.all(files.map(async (f) => `${await sha256(f.bytes)}  ${inFolder(f.path)}\n`));
  const byPath = lines.sort((a, b) => {
    const [pa, pb] = [a.slice(66), b.slice(66)];
    return pa < pb ? -1 : pa > pb ? 1 : 0;
  });
  return sha256(new TextEncoder().encode(byPath.join('')));
}

/**
 * One store operation at a time (a store, a read, a forget), so none sees another's half-written
 * index: in this page by a queue, across the origin's tabs by a Web Lock where there are locks.
 */
let queue: Promise<unknown> = Promise.resolve();
function serial<T>(op: () => Promise<T>): Promise<T> {
  // (`.then` unwraps the callback's promise, which lib.dom's type for `request` does not.)
  const locked = (): Promise<T> => (navigator.locks ? navigator.locks.request(DIR, op).then((r) => r) : op());
  const next = queue.then(locked, locked);
  queue = next.catch(() => undefined);
  return next;
}

/** The picks kept in this browser, most recent first; none when OPFS is missing (`StorageProblem`). */
export function listPicks(): Promise<CachedPick[]> {
  return serial(async () => readIndex(await folder(false)));
}

/**
 * Keeps weights the engine accepted (replacing a copy with the same sha256), drops the oldest past
 * `MAX_PICKS`. Throws `StorageProblem` when OPFS is missing or the quota is too small; nothing is
 * left half-written then.
 */
export function storePick(
  pick: Omit<CachedPick, 'sha256' | 'bytes' | 'files'> & { files: readonly PickedFile[] },
): Promise<CachedPick[]> {
  return serial(async () => {
    const dir = (await folder(true))!;
    if (typeof FileSystemFileHandle.prototype.createWritable !== 'function')
      // TODO: Safari before 26 writes OPFS files only from a worker (createSyncAccessHandle).
      throw new StorageProblem('this browser cannot write to its origin private file system (OPFS)');
    const entry: CachedPick = {
      sha256: await pickSha256(pick.name, pick.files),
      name: pick.name,
      model: pick.model,
      includeTop: pick.includeTop,
      format: pick.format,
      bytes: pick.files.reduce((n, f) => n + f.bytes.byteLength, 0),
      files: pick.files.map((f) => ({ path: f.path, bytes: f.bytes.byteLength })),
    };
    const before = await readIndex(dir);
    const others = before.filter((e) => e.sha256 !== entry.sha256);
    const kept = others.slice(0, MAX_PICKS - 1);
    const freed = before.filter((e) => !kept.includes(e)).reduce((n, e) => n + e.bytes, 0);
    const estimate = navigator.storage.estimate?.().catch(() => undefined);
    const { usage = 0, quota = Infinity } = (await estimate) ?? {};
    if (entry.bytes > quota - usage + freed)
      throw new StorageProblem(
        `the storage quota is exceeded (${formatBytes(entry.bytes)} to keep, ${formatBytes(Math.max(0, quota - usage + freed))} free)`,
      );
    await writeIndex(dir, kept);
    await sweep(dir, kept);
    try {
      const home = await dir.getDirectoryHandle(entry.sha256, { create: true });
      for (const [i, f] of pick.files.entries()) await writeFile(home, String(i), f.bytes);
    } catch (e) {
      await dir.removeEntry(entry.sha256, { recursive: true }).catch(() => undefined);
      throw isQuota(e)
        ? new StorageProblem(`the storage quota is exceeded (${formatBytes(entry.bytes)} to keep)`)
        : new StorageProblem(`writing to the origin private file system failed (${(e as Error).message})`);
    }
    const after = [entry, ...kept];
    await writeIndex(dir, after);
    return after;
  });
}

/**
 * A kept pick's files, read with progress and checked against the sha256 recorded when it was
 * kept; it becomes the most recent. A torn or altered copy is removed and refused with
 * `E_WEIGHTS_CHECKSUM`; one no longer kept, with `E_WEIGHTS_NOT_FOUND`.
 */
export function readPick(sha: string, progress: Progress): Promise<{ entry: CachedPick; files: PickedFile[] }> {
  return serial(async () => {
    const dir = await folder(false);
    const index = await readIndex(dir);
    const entry = index.find((e) => e.sha256 === sha);
    if (!dir || !entry)
      throw new VggError(
        'E_WEIGHTS_NOT_FOUND',
        `cached weights ${sha.slice(0, 12)}… are no longer kept in this browser`,
        {
          hint: 'pick the file again',
        },
      );
    const files: PickedFile[] = [];
    let read = 0;
    try {
      const home = await dir.getDirectoryHandle(sha);
      for (const [i, f] of entry.files.entries()) {
        const file = await (await home.getFileHandle(String(i))).getFile();
        const bytes = await readWithProgress(
          file.stream(),
          entry.bytes,
          (got) => progress(read + got, entry.bytes),
          file.size,
        );
        read += bytes.byteLength;
        files.push({ path: f.path, bytes });
      }
    } catch (e) {
      if ((e as DOMException).name !== 'NotFoundError') throw e;
    }
    const found = files.length === entry.files.length ? await pickSha256(entry.name, files) : 'missing files';
    if (found !== sha) {
      await writeIndex(
        dir,
        index.filter((e) => e !== entry),
      );
      await dir.removeEntry(sha, { recursive: true }).catch(() => undefined);
      throw new VggError(
        'E_WEIGHTS_CHECKSUM',
        `cached weights '${entry.name}' do not match the sha256 recorded when they were kept (${sha.slice(0, 12)}…, read ${found.slice(0, 12)}…): a torn or altered copy, now removed from this browser`,
        { hint: 'pick the file again' },
      );
    }
    await writeIndex(dir, [entry, ...index.filter((e) => e !== entry)]);
    return { entry, files };
  });
}

/** Removes every kept pick. */
export function forgetPicks(): Promise<void> {
  return serial(async () => {
    const root = await opfs();
    await root.removeEntry(DIR, { recursive: true }).catch((e: DOMException) => {
      if (e.name !== 'NotFoundError') throw e;
    });
  });
}

/** `1.2 MB`, `340 kB` (decimal units, as the download's progress). */
export function formatBytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1e3))} kB`;
}

async function opfs(): Promise<FileSystemDirectoryHandle> {
  if (typeof navigator.storage?.getDirectory !== 'function')
    throw new StorageProblem('this browser has no origin private file system (OPFS)');
  try {
    return await navigator.storage.getDirectory();
  } catch (e) {
    // Firefox's private windows, a sandboxed frame, storage blocked by the user.
    throw new StorageProblem(`its origin private file system is not available here (${(e as Error).message})`);
  }
}

async function folder(create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
  const root = await opfs();
  return root.getDirectoryHandle(DIR, { create }).catch((e: DOMException) => {
    if (e.name === 'NotFoundError') return undefined;
    throw new StorageProblem(`its origin private file system is not available here (${e.message})`);
  });
}

async function readIndex(dir: FileSystemDirectoryHandle | undefined): Promise<CachedPick[]> {
  if (!dir) return [];
  try {
    const list: unknown = JSON.parse(await (await (await dir.getFileHandle(INDEX)).getFile()).text());
    // An unreadable index (torn, or another version's) lists nothing; the next store sweeps its folders.
    return Array.isArray(list) ? (list as CachedPick[]).filter((e) => /^[0-9a-f]{64}$/.test(e?.sha256)) : [];
  } catch {
    return [];
  }
}

async function writeIndex(dir: FileSystemDirectoryHandle, entries: readonly CachedPick[]): Promise<void> {
  await writeFile(dir, INDEX, new TextEncoder().encode(JSON.stringify(entries)));
}

/** A whole file, replaced only when the write completes (createWritable writes a swap file). */
async function writeFile(dir: FileSystemDirectoryHandle, name: string, bytes: BufferSource): Promise<void> {
  const w = await (await dir.getFileHandle(name, { create: true })).createWritable();
  try {
    await w.write(bytes);
    await w.close();
  } catch (e) {
    await w.abort().catch(() => undefined);
    throw e;
  }
}

/** Removes folders no entry names (picks cut short, evicted or unlisted ones). */
async function sweep(dir: FileSystemDirectoryHandle, entries: readonly CachedPick[]): Promise<void> {
  const keep = new Set([INDEX, ...entries.map((e) => e.sha256)]);
  const names: string[] = [];
  for await (const name of dir.keys()) if (!keep.has(name)) names.push(name);
  for (const name of names) await dir.removeEntry(name, { recursive: true }).catch(() => undefined);
}

function isQuota(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'QuotaExceededError';
}

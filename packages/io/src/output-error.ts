import { VggError } from '@vggscope/core';

/** What to do about each file-system fault when writing outputs; the message names the path. */
const FIXES: Record<string, (path: string) => string> = {
  ENOTDIR: (p) => `a parent of '${p}' is a regular file, not a folder; choose another --out, or move that file away`,
  EEXIST: (p) => `'${p}' exists and is not a folder; choose another --out, or move it away`,
  EISDIR: (p) => `'${p}' is a folder where a file must be written; remove it or choose another --out`,
  EROFS: (p) => `'${p}' is on a read-only file system; choose a writable --out`,
  EACCES: (p) => `no permission to write '${p}'; choose a writable --out, or fix the folder's permissions`,
  EPERM: (p) => `not permitted to write '${p}'; choose a writable --out, or fix the folder's permissions`,
  ENOSPC: (p) => `the disk holding '${p}' is full; free space, or choose --out on another disk`,
  EDQUOT: (p) => `the disk quota for '${p}' is exhausted; free space, or choose --out elsewhere`,
  EFBIG: (p) =>
    `'${p}' exceeds the largest file this system allows; use --format npy (one file per array) or another disk`,
  ENAMETOOLONG: (p) => `the path '${p}' is too long for this file system; choose a shorter --out`,
  ENOENT: (p) => `a folder on the way to '${p}' disappeared or cannot be created; choose another --out`,
  EMFILE: () => 'too many open files; raise the limit (ulimit -n) or use fewer --workers',
};

/** The errno codes `outputError` turns into `E_OUTPUT` (others are not output faults). */
export const OUTPUT_FAULTS: ReadonlySet<string> = new Set(Object.keys(FIXES));

/**
 * Wraps a file-system failure while writing `path` into `E_OUTPUT` (exit status 6) saying what to
 * fix; a VggError or a non-fs error passes through unchanged.
 * @example outputError('/ro/features', err) // E_OUTPUT: cannot write '/ro/features' (EROFS): … read-only …
 */
export function outputError(path: string, cause: unknown): unknown {
  if (cause instanceof VggError) return cause;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || !OUTPUT_FAULTS.has(code)) return cause;
  const fix = FIXES[code]!(path);
  return new VggError('E_OUTPUT', `cannot write '${path}' (${code}): ${fix}`, { cause });
}

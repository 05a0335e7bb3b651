import { readFileSync } from 'node:fs';
import { open, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { VggError } from '@vggscope/core';

export interface FileLockOptions {
  /** A lock whose holder has not refreshed it for this long is stale (default 30 s). */
  readonly staleMs?: number;
  /** How often a waiter looks again (default 250 ms). */
  readonly pollMs?: number;
  /** Give up waiting after this long (default 30 min: a slow 550 MB download). */
  readonly waitMs?: number;
  /** Called once when the lock is busy, with a line saying who holds it. */
  readonly onWait?: (message: string) => void;
}

interface Holder {
  pid: number;
  host: string;
  since: string;
}

/**
 * Runs `fn` holding an exclusive lock file (created with O_EXCL, so exactly one process wins).
 * The holder touches the file every staleMs/3; a waiter treats the lock as stale — and removes
 * it — when its holder is a dead process on this host, or it has not been touched for staleMs
 * (a holder on another host, or one that froze). Other processes wait and then run `fn`
 * themselves, which is expected to find the finished work and reuse it.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, o: FileLockOptions = {}): Promise<T> {
  const staleMs = o.staleMs ?? 30_000;
  const deadline = Date.now() + (o.waitMs ?? 30 * 60_000);
  let told = false;
  for (;;) {
    const fh = await open(lockPath, 'wx').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') return undefined;
      throw new VggError(
        'E_DOWNLOAD',
        `cannot create the lock file '${lockPath}' (${e.code ?? e.message}); check that the folder is writable`,
        { cause: e },
      );
    });
    if (fh) {
      const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
      await fh.writeFile(JSON.stringify(me));
      await fh.close();
      const beat = setInterval(
        () => void utimes(lockPath, new Date(), new Date()).catch(() => {}),
        Math.max(50, staleMs / 3),
      );
      beat.unref();
      try {
        return await fn();
      } finally {
        clearInterval(beat);
        await rm(lockPath, { force: true });
      }
    }
    const holder = readHolder(lockPath);
    const age = await stat(lockPath).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (isStale(holder, age, staleMs)) {
      // Remove only the lock judged stale: re-read it first, so a fresh lock taken meanwhile stays.
      const again = readHolder(lockPath);
      if (again?.pid === holder?.pid && again?.since === holder?.since) await rm(lockPath, { force: true });
      continue;
    }
    if (!told) {
      told = true;
      o.onWait?.(
        `waiting for ${holder ? `process ${holder.pid} on ${holder.host}` : 'another process'} (lock ${lockPath}, since ${holder?.since ?? '?'})`,
      );
    }
    if (Date.now() > deadline) {
      throw new VggError(
        'E_DOWNLOAD',
        `gave up waiting for the lock '${lockPath}' held by ${holder ? `process ${holder.pid} on ${holder.host}` : 'another process'}; if no other vggscope is running, delete the lock file`,
      );
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 250));
  }
}

function readHolder(lockPath: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(lockPath, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.since === 'string'
      ? (h as Holder)
      : undefined;
  } catch {
    return undefined; // gone, being written, or garbage: age decides
  }
}

function isStale(holder: Holder | undefined, ageMs: number, staleMs: number): boolean {
  if (ageMs > staleMs) return true;
  if (!holder || holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

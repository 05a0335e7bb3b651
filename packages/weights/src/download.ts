import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { basename, dirname } from 'node:path';
import { VggError } from '@vggscope/core';
import { withFileLock } from './lock-file.js';
import { hashFile } from './md5-file.js';

export interface DownloadOptions {
  /** Mirrors, tried in order. http: and https: are both accepted (tests use a loopback server). */
  readonly urls: readonly string[];
  readonly dest: string;
  readonly md5: string;
  readonly bytes?: number;
  /** Give up on a connection that sends nothing for this long (default 30 s). */
  readonly idleTimeoutMs?: number;
  /** Attempts per URL for transient failures: 5xx, dropped connections, stalls (default 4). */
  readonly attempts?: number;
  /** First retry delay, doubled each time (default 500 ms). */
  readonly backoffMs?: number;
  readonly onProgress?: (done: number, total: number | undefined) => void;
  /** A line when another process is downloading the same file and this one waits for it. */
  readonly onWait?: (message: string) => void;
  /** A lock older than this (not refreshed by a live holder) is stale (default 30 s). */
  readonly lockStaleMs?: number;
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    url: string,
  ) {
    super(`HTTP ${status} from ${url}`);
  }
}

/**
 * Downloads to `dest.part`, resuming it with a Range request after a dropped connection, checks
 * the md5 and only then renames it to `dest`. A file that fails the check is deleted: nothing
 * corrupt or partial ever sits where a later run would trust it (a `.part` is only ever resumed).
 * Never writes more than `bytes` (a server with an endless body is cut off there). A resumed file
 * that fails the md5 (a stale `.part` with wrong bytes) is downloaded once more from scratch.
 * Processes downloading the same `dest` take turns through `dest.lock`: the second one waits,
 * then finds the verified file and returns.
 */
export async function downloadVerified(o: DownloadOptions): Promise<void> {
  await mkdir(dirname(o.dest), { recursive: true });
  await withFileLock(
    `${o.dest}.lock`,
    async () => {
      if (existsSync(o.dest) && (await hashFile(o.dest, 'md5')) === o.md5) return; // another process finished it
      await downloadLocked(o);
    },
    { onWait: o.onWait, staleMs: o.lockStaleMs },
  );
}

async function downloadLocked(o: DownloadOptions): Promise<void> {
  const part = `${o.dest}.part`;
  const failures: DownloadFailure[] = [];
  for (const url of o.urls) {
    const attempts = o.attempts ?? 4;
    let retriedFresh = false;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const { resumed, capped } = await fetchToPart(url, part, o);
        const md5 = await hashFile(part, 'md5');
        if (md5 !== o.md5) {
          await rm(part, { force: true });
          if (resumed && !retriedFresh) {
            retriedFresh = true; // the old .part may have held the wrong bytes: one clean try
            attempt--;
            continue;
          }
          const extra = capped
            ? ` (the server sent more than the ${o.bytes} bytes the manifest lists; stopped there)`
            : '';
          failures.push({
            url,
            reason: `md5 ${md5} does not match the expected ${o.md5}${extra} (file deleted)`,
            attempts: attempt,
          });
          break; // the bytes were wrong, not the connection: try the next mirror
        }
        await rename(part, o.dest);
        return;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        const code = (e as NodeJS.ErrnoException).code;
        const unreachable = code === 'ENOTFOUND' || code === 'ECONNREFUSED'; // no such host / nothing listening: next mirror
        const permanent =
          unreachable || (e instanceof HttpStatusError && e.status < 500 && e.status !== 408 && e.status !== 429);
        if (permanent || attempt === attempts) {
          failures.push({
            url,
            reason: `${msg}${permanent ? '' : ` (after ${attempt} attempt${attempt > 1 ? 's' : ''})`}`,
            attempts: attempt,
          });
          break;
        }
        await new Promise((r) => setTimeout(r, (o.backoffMs ?? 500) * 2 ** (attempt - 1)));
      }
    }
  }
  throw new DownloadError(basename(o.dest), failures);
}

/**
 * One request: appends to an existing `.part` with Range, or starts over if the server ignores it.
 * `resumed`: bytes from before this request are part of the result; `capped`: the server sent
 * more than `bytes` and was cut off.
 */
async function fetchToPart(
  url: string,
  part: string,
  o: DownloadOptions,
): Promise<{ resumed: boolean; capped: boolean }> {
  let have = await stat(part).then(
    (s) => s.size,
    () => 0,
  );
  if (o.bytes !== undefined && have > o.bytes) {
    await rm(part, { force: true });
    have = 0;
  }
  if (o.bytes !== undefined && have === o.bytes && have > 0) return { resumed: true, capped: false }; // complete from an earlier run; md5 decides
  const res = await request(url, have > 0 ? { Range: `bytes=${have}-` } : {}, o.idleTimeoutMs ?? 30_000);
  let append = false;
  if (res.statusCode === 206) {
    const start = Number(/bytes (\d+)-/.exec(res.headers['content-range'] ?? '')?.[1] ?? -1);
    if (start !== have) {
      res.destroy();
      await rm(part, { force: true });
      throw new Error(`server resumed at byte ${start}, not ${have}; starting over`);
    }
    append = true;
  } else if (res.statusCode === 416) {
    res.resume();
    await rm(part, { force: true });
    throw new Error('server rejected the resume range; starting over');
  } else if (res.statusCode !== 200) {
    res.resume();
    throw new HttpStatusError(res.statusCode ?? 0, url);
  }
  const length = Number(res.headers['content-length'] ?? NaN);
  const total = append ? have + length : length;
  const limit = o.bytes ?? Infinity;
  let done = append ? have : 0;
  let capped = false;
  const report = () => o.onProgress?.(done, o.bytes ?? (Number.isFinite(total) ? total : undefined));
  report();
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(part, { flags: append ? 'a' : 'w' });
    // Written by hand rather than piped, to stop at the manifest's byte count whatever the
    // server's Content-Length says: an endless body must not fill the disk.
    res.on('data', (chunk: Buffer) => {
      if (capped) return;
      const room = limit - done;
      const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
      done += piece.length;
      if (!out.write(piece)) res.pause();
      report();
      if (chunk.length > room) {
        capped = true;
        res.destroy();
        out.end();
      }
    });
    out.on('drain', () => res.resume());
    res.on('end', () => out.end());
    // A premature close surfaces as 'error' with message 'aborted'; a stall as our own timeout error.
    res.on('error', (e) => {
      if (!capped) out.destroy(e.message === 'aborted' ? new Error(`connection dropped after ${done} bytes`) : e);
    });
    res.on('close', () => {
      if (!capped && !res.complete) out.destroy(new Error(`connection dropped after ${done} bytes`));
    });
    out.on('error', reject);
    out.on('finish', () => {
      if (!capped && Number.isFinite(total) && done < total)
        reject(new Error(`body ended after ${done} of ${total} bytes`));
      else resolve();
    });
  });
  return { resumed: append, capped };
}

function request(
  url: string,
  headers: Record<string, string>,
  idleTimeoutMs: number,
  redirects = 0,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    // agent: false — a fresh connection per request, so no idle timer piles up on a reused socket.
    const req = client.get(url, { agent: false, headers: { 'User-Agent': 'vggscope', ...headers } }, (res) => {
      const location = res.headers.location;
      if (res.statusCode && [301, 302, 303, 307, 308].includes(res.statusCode) && location) {
        res.resume();
        if (redirects >= 5) return reject(new Error(`too many redirects from ${url}`));
        return resolve(request(new URL(location, url).toString(), headers, idleTimeoutMs, redirects + 1));
      }
      // The same idle timer keeps watching the body: a stall mid-transfer aborts the response.
      res.socket.setTimeout(idleTimeoutMs, () =>
        res.destroy(new Error(`no data for ${idleTimeoutMs / 1000} s (stalled)`)),
      );
      resolve(res);
    });
    req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`no response within ${idleTimeoutMs / 1000} s`)));
    req.on('error', reject);
  });
}

/** One URL that did not give the file, and why. */
export interface DownloadFailure {
  readonly url: string;
  readonly reason: string;
  readonly attempts: number;
}

/**
 * Every mirror failed: `failures` says which URL failed how (structured, for callers that report
 * it their own way); the message lists them and the ways out.
 */
export class DownloadError extends VggError {
  constructor(
    readonly file: string,
    readonly failures: readonly DownloadFailure[],
  ) {
    super(
      'E_DOWNLOAD',
      `${DownloadError.summary(file, failures)}\n` +
        'Check the connection and run the command again (a partial download resumes), or download the file yourself ' +
        'and pass its path as the weights, or set VGGSCOPE_MANIFEST to a manifest listing a mirror.',
      { hint: 'pass --weights PATH with a file you downloaded yourself' },
    );
  }

  /** `could not download NAME:` and one line per failed URL. */
  static summary(file: string, failures: readonly DownloadFailure[]): string {
    return `could not download ${file}:\n  ${failures.map((f) => `${f.url}: ${f.reason}`).join('\n  ')}`;
  }
}

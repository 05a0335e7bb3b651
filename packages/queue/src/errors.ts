import { VggError } from '@vggscope/core';

/** The queue's errors, worded once: each says what failed, against which Redis, and what to do. */
export const queueErrors = {
  badUrl(url: string, why: string): VggError {
    return new VggError('E_QUEUE', `queue: '${url}' is not a Redis URL (${why})`, {
      hint: '--redis redis://HOST:6379 (or rediss:// for TLS; redis://:PASSWORD@HOST:6379/DB)',
    });
  },
  unreachable(url: string, cause: unknown, timeoutMs: number): VggError {
    const detail = cause instanceof Error ? cause.message || cause.name : String(cause);
    return new VggError(
      'E_QUEUE',
      `queue: cannot reach Redis at ${redact(url)} within ${timeoutMs / 1000} s: ${detail}`,
      {
        cause,
        hint: 'check --redis (host, port, password) and that redis-server runs and is reachable from this machine',
      },
    );
  },
  unknownRun(run: string): VggError {
    return new VggError(
      'E_QUEUE',
      `queue: no run '${run}' in this Redis; 'vggscope queue status --redis URL' lists the runs`,
    );
  },
  noRuns(url: string): VggError {
    return new VggError('E_QUEUE', `queue: no runs submitted to ${redact(url)} yet`, {
      hint: 'vggscope queue submit --redis URL --images DIR --out DIR',
    });
  },
} as const;

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

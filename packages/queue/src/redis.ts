import { Redis, type RedisOptions } from 'ioredis';
import { queueErrors, redact } from './errors.js';

/** How long a first connection may take before `E_QUEUE` (a wrong host must not hang the CLI). */
export const CONNECT_TIMEOUT_MS = 4000;

/**
 * ioredis options from a `redis://[user:password@]host[:port][/db]` (or `rediss://`) URL, checked
 * here so that a typo fails at once with `E_QUEUE` instead of inside a reconnect loop.
 */
export function redisOptions(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw queueErrors.badUrl(url, 'not a URL');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw queueErrors.badUrl(url, `scheme '${u.protocol.replace(/:$/, '')}', expected redis or rediss`);
  if (!u.hostname) throw queueErrors.badUrl(url, 'no host');
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw queueErrors.badUrl(url, `database '${db}' is not a number`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    connectTimeout: CONNECT_TIMEOUT_MS,
  };
}

/** What the server says about itself: the version, and whether a restart keeps the queue. */
export interface RedisInfo {
  version: string;
  appendOnly: boolean;
  maxmemoryPolicy: string;
}

/**
 * Connects once with no retries and a deadline, pings and reads the server's settings: the one
 * place where an unreachable or wrong Redis turns into `E_QUEUE`. Long-lived connections are made
 * only after this succeeds, and those reconnect for ever (a Redis restart is survived, not fatal).
 */
export async function probeRedis(url: string, timeoutMs = CONNECT_TIMEOUT_MS): Promise<RedisInfo> {
  const client = new Redis({
    ...redisOptions(url),
    connectTimeout: timeoutMs,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  let first: Error | undefined; // ioredis rejects with "Connection is closed"; the socket's error says why
  client.on('error', (e: Error) => (first ??= e));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), timeoutMs + 500);
  });
  try {
    return await Promise.race([
      deadline,
      (async () => {
        await client.connect();
        await client.ping();
        const info = await client.info('server');
        const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
        const [, appendOnly = 'no'] = (await client.config('GET', 'appendonly').catch(() => [])) as string[];
        const [, maxmemoryPolicy = '?'] = (await client.config('GET', 'maxmemory-policy').catch(() => [])) as string[];
        return { version, appendOnly: appendOnly === 'yes', maxmemoryPolicy };
      })(),
    ]);
  } catch (e) {
    throw queueErrors.unreachable(url, first ?? e, timeoutMs);
  } finally {
    clearTimeout(timer);
    // ioredis 6 keeps an ended client's connector for 2 s if disconnect() is called again
    if (client.status !== 'end') await client.quit().catch(() => client.disconnect());
  }
}

/**
 * A client for short commands (submit, status): a few reconnect attempts, then the command fails
 * with `E_QUEUE` instead of waiting for a Redis that is gone.
 */
export function shortLivedClient(url: string): Redis {
  const client = new Redis({
    ...redisOptions(url),
    maxRetriesPerRequest: 2,
    retryStrategy: (times) => (times > 5 ? null : 200 * times),
  });
  client.on('error', () => {});
  return client;
}

/** A client that outlives Redis restarts: commands wait in the offline queue and go out on reconnect. */
export function durableClient(url: string): Redis {
  const client = new Redis({
    ...redisOptions(url),
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(200 * times, 2000),
  });
  client.on('error', () => {});
  return client;
}

export { redact };

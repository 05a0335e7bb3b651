import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** Path of redis-server, or undefined where it is not installed (the tests then skip, saying why). */
export const REDIS_SERVER = ['redis-server', '/usr/bin/redis-server'].find(
  (b) => spawnSync(b, ['--version'], { stdio: 'ignore' }).status === 0,
);
export const NO_REDIS_REASON = "redis-server not installed (.ci/run installs Debian's redis-server)";

/**
 * A private redis-server for one test file: 127.0.0.1, a free port, a temp dir, the append-only
 * file on (fsync always), no RDB snapshots. `restart()` stops it (SIGTERM) and starts it again on
 * the same port and files, as a Redis restart in production would.
 */
export class TestRedis {
  private proc?: ChildProcess;
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly appendfsync: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** `appendfsync`: 'always' (tests: a restart loses nothing) or 'everysec' (production's usual). */
  static async start(options: { appendfsync?: string } = {}): Promise<TestRedis> {
    const r = new TestRedis(
      await freePort(),
      mkdtempSync(join(tmpdir(), 'vggscope-redis-')),
      options.appendfsync ?? 'always',
    );
    await r.launch();
    return r;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGTERM');
    await exited;
  }

  private async launch(): Promise<void> {
    this.proc = spawn(
      REDIS_SERVER!,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        this.appendfsync,
        '--save',
        '',
        '--logfile',
        join(this.dir, 'redis.log'),
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      const c = new Redis({
        port: this.port,
        host: '127.0.0.1',
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
      });
      c.on('error', () => {});
      const ok = await c
        .connect()
        .then(() => c.ping())
        .then(
          () => true,
          () => false,
        );
      if (c.status !== 'end') await c.quit().catch(() => c.disconnect());
      if (ok) return;
      if (Date.now() > deadline)
        throw new Error(`redis-server did not start on port ${this.port} (see ${join(this.dir, 'redis.log')})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

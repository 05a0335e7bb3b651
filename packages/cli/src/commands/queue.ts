import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT_CODES, resolveVggConfig, VggError, wrapError } from '@vggscope/core';
import type { RunStatus } from '@vggscope/queue';
import type { CommandContext } from '../context.js';
import { cliErrors } from '../errors.js';
import { listImages } from '../list-images.js';
import {
  many,
  parseEngine,
  parseModel,
  parsePooling,
  parseSize,
  threadsPerWorker,
  usageErrors,
  WEIGHTS_OPTIONS,
} from '../options.js';
import { formatDuration } from '../progress.js';
import { formatTable } from '../table.js';
import { poolingNote } from '../pooling-note.js';
import { reasonWithoutPath } from '../failures.js';
import { exitCodesHelp, RUN } from '../help.js';

export const QUEUE_HELP = `vggscope queue — folder extraction spread over many machines on a Redis job queue (BullMQ)

Usage:
  ${RUN} queue submit --redis URL --images DIR|GLOB|LIST.txt... --out DIR [--shard 64]
        [--model vgg16|vgg19] [--weights PATH] [--layer NAME|INDEX]... [--include-top] [--pooling avg|max]
        [--size HxW] [--backend NAME] [--stack] [--attempts 5] [--json]
  ${RUN} queue worker --redis URL [--workers N] [--threads N] [--concurrency 1] [--grace 20]
        [--lock-duration 30] [--stalled-interval 15] [--offline]
  ${RUN} queue status --redis URL [RUN] [--json] [--watch]
  ${RUN} queue merge  --redis URL [RUN]
  ${RUN} queue cancel --redis URL RUN [--json]

submit   splits the images into shards (jobs) whose ids hash their paths and the config, so
         submitting twice adds nothing; prints the run id. The config travels in the jobs.
worker   pulls shards and runs them through a local worker pool; writes DIR/<image>/<layer>.npy
         atomically and a per-shard index; SIGTERM finishes the current shard (or releases it to
         another worker after --grace seconds; a second SIGTERM releases at once), then exits 0.
status   shards and images done / active / waiting / failed, the fleet's img/s and ETA, failed
         images with their reasons (the newest run without RUN).
merge    writes DIR/features.jsonl (and the stacked arrays of a --stack run) again from the shard
         indexes (workers do it when a run ends).
cancel   takes the run's queued shards off the queue; running shards finish and their outputs
         stay; workers skip the run from then on. Submitting the same run again resumes it.

Every machine needs the same paths: images and --out on a shared mount; --weights too if given
(otherwise each worker resolves the official weights as 'extract' does: cache, else download).

Options:
  --redis        redis://[:PASSWORD@]HOST[:PORT][/DB] (or rediss://); default $VGGSCOPE_REDIS
  --images       a folder, a pattern ('photos/*.jpg') or a .txt list (one path a line); repeatable
  --out          output folder (shared by every worker)
  --shard        images per job (default 64): a few seconds to a minute of work per job
  --stack        also write the stacked arrays at the end, as extract --stack does: DIR/features.npy
                 (features_<layer>.npy for several layers) and DIR/images.txt
  --attempts     tries per shard for transient failures, with exponential backoff (default 5)
  --workers      worker threads on this machine (default: cores ÷ --threads; one when neither is given)
  --threads      threads per worker thread (default: the cores ÷ --workers, so one worker on all cores)
  --concurrency  shards this process works on at once, sharing its pool (default 1)
  --grace        seconds to finish the current shard after SIGTERM before releasing it (default 20)
  --lock-duration     seconds a shard stays locked without renewal (default 30; renewed every half)
  --stalled-interval  seconds between checks for shards whose worker died (default 15)
  --watch        status: redraw until the run ends
  --json         print JSON

${exitCodesHelp(['weights', 'partial', 'queue', 'interrupted'], {
  partial: 'partial (status --watch: some images failed)',
  queue: 'queue error (Redis unreachable, refused, or an unknown run)',
})}
`;

const OPTIONS = {
  ...WEIGHTS_OPTIONS,
  redis: { type: 'string' },
  images: { type: 'string', multiple: true },
  out: { type: 'string' },
  shard: { type: 'string', default: '64' },
  layer: { type: 'string', multiple: true },
  'include-top': { type: 'boolean', default: false },
  pooling: { type: 'string' },
  size: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  stack: { type: 'boolean', default: false },
  attempts: { type: 'string', default: '5' },
  workers: { type: 'string' },
  concurrency: { type: 'string', default: '1' },
  grace: { type: 'string', default: '20' },
  'lock-duration': { type: 'string', default: '30' },
  'stalled-interval': { type: 'string', default: '15' },
  watch: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

type Values = ReturnType<typeof parse>['values'];
const parse = (argv: string[]) =>
  usageErrors(
    'queue',
    () => parseArgs({ args: argv, strict: true, allowPositionals: true, options: OPTIONS }),
    Object.keys(OPTIONS),
  );

export async function queueCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest);
  if (!sub || sub === '--help' || sub === '-h' || values.help) {
    ctx.stdout.write(QUEUE_HELP);
    return sub ? 0 : 2;
  }
  const redis = values.redis ?? process.env.VGGSCOPE_REDIS;
  if (!redis)
    throw new VggError('E_USAGE', 'queue: --redis URL is required (or set VGGSCOPE_REDIS)', {
      hint: '--redis redis://HOST:6379',
    });
  const q = await loadQueuePackage();
  switch (sub) {
    case 'submit':
      return submit(q, redis, values, ctx);
    case 'worker':
      return worker(q, redis, values, ctx);
    case 'status':
      return status(q, redis, positionals[0], values, ctx);
    case 'merge':
      return merge(q, redis, positionals[0], ctx);
    case 'cancel':
      return cancel(q, redis, positionals[0], values, ctx);
    default:
      throw new VggError('E_USAGE', `queue: unknown subcommand '${sub}'; use submit, worker, status, merge or cancel`);
  }
}

type Q = typeof import('@vggscope/queue');

/**
 * The queue package (BullMQ, ioredis) is an optional peer of the CLI: BullMQ brings optional native
 * addons (msgpackr-extract), which a default install leaves out. Imported here, so the other commands
 * start light and run without it.
 */
async function loadQueuePackage(): Promise<Q> {
  try {
    return await import('@vggscope/queue');
  } catch (e) {
    throw wrapError(
      'E_USAGE',
      'queue: the job queue needs @vggscope/queue (BullMQ and a Redis client), an optional part of vggscope that is not installed',
      e,
      'npm i @vggscope/queue (beside @vggscope/cli), then run the command again',
    );
  }
}

async function submit(q: Q, redis: string, v: Values, ctx: CommandContext): Promise<number> {
  if (!v.images?.length)
    throw new VggError('E_USAGE', 'queue submit: --images is required (a folder, a pattern or a .txt list)');
  if (!v.out)
    throw new VggError(
      'E_USAGE',
      'queue submit: --out is required (a folder every worker can write, e.g. on a shared mount)',
    );
  const model = parseModel(v.model);
  const engine = parseEngine({ backend: v.backend });
  // Resolved once, here, before Redis is contacted (model, size and layers checked). The weights are
  // each worker's to resolve: the config carries the request, an explicit path or 'official'.
  const weights = v.weights ? resolve(v.weights) : undefined;
  const { config, graph } = resolveVggConfig({
    model,
    includeTop: v['include-top'] ?? false,
    pooling: parsePooling(v.pooling),
    inputSize: parseSize(v.size),
    layers: many(v.layer),
    backend: engine.backend,
    threads: 1,
    weights: weights ?? 'official',
  });
  const note = poolingNote(parsePooling(v.pooling), graph, config.layers, config.includeTop);
  if (note && !v.json) ctx.stderr.write(`note: ${note}\n`);
  const images = (await expandImages(v.images, (s) => v.json || ctx.stderr.write(`note: ${s}\n`))).map((p) =>
    resolve(p),
  );
  const result = await q.submitRun({
    redis,
    images,
    outDir: resolve(v.out),
    shardSize: cliErrors.wholeNumber('--shard', v.shard, 1, 100_000),
    attempts: cliErrors.wholeNumber('--attempts', v.attempts, 1, 100),
    stack: v.stack ?? false,
    config: q.queueModelConfig(config, weights),
  });
  if (v.json) ctx.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    ctx.stdout.write(
      `run ${result.runId}: ${result.images} images in ${result.shards} shards; added ${result.added}${result.existing ? `, ${result.existing} already queued or done` : ''}\n`,
    );
    if (!result.redis.appendOnly)
      ctx.stderr.write(
        'note: this Redis has no append-only file (appendonly no): a Redis restart can lose queued shards\n',
      );
    if (v.weights && !existsSync(v.weights))
      ctx.stderr.write(
        `note: --weights '${v.weights}' does not exist here; every worker must find it at ${resolve(v.weights)}\n`,
      );
    ctx.stdout.write(
      `follow it with: vggscope queue status --redis ${q.redisOptions(redis).password ? 'URL' : redis} ${result.runId}\n`,
    ); // no password on screen
  }
  return EXIT_CODES.ok;
}

/** `--images` arguments, where a `.txt` file is a list of paths (relative to the list's folder). */
async function expandImages(args: readonly string[], note: (s: string) => void): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    if (extname(arg).toLowerCase() !== '.txt') {
      out.push(
        ...(await listImages([arg], {
          onSkippedFolders: (dir, count) =>
            note(
              `${count} sub-folder(s) of ${dir} not searched (queue submit does not recurse; list them, or give a pattern like 'DIR/**/*.jpg')`,
            ),
        })),
      );
      continue;
    }
    const text = await readFile(arg, 'utf8').catch((e: Error) => {
      throw new VggError('E_IMAGE_READ', `--images: cannot read the list '${arg}': ${e.message}`);
    });
    const lines = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    out.push(...lines.map((l) => (isAbsolute(l) ? l : resolve(dirname(arg), l))));
  }
  if (out.length === 0) throw new VggError('E_IMAGE_READ', `--images: no images in ${args.join(', ')}`);
  return out;
}

async function worker(q: Q, redis: string, v: Values, ctx: CommandContext): Promise<number> {
  const engine = parseEngine({ threads: v.threads });
  const seconds = (flag: string, value: string | undefined, min: number) =>
    cliErrors.wholeNumber(flag, value, min, 3600) * 1000;
  const log = (line: string) => ctx.stdout.write(`${new Date().toISOString()} ${line}\n`);
  const delay = Number(process.env.VGGSCOPE_QUEUE_TEST_DELAY_MS ?? 0); // test hook: slow shards to kill mid-way
  const workers = v.workers === undefined ? undefined : cliErrors.wholeNumber('--workers', v.workers, 1);
  const w = await q.QueueWorker.start({
    redis,
    workers,
    threads: engine.threads ?? threadsPerWorker(workers),
    concurrency: cliErrors.wholeNumber('--concurrency', v.concurrency, 1, 64),
    lockDurationMs: seconds('--lock-duration', v['lock-duration'], 1),
    stalledIntervalMs: seconds('--stalled-interval', v['stalled-interval'], 1),
    offline: v.offline,
    imageDelayMs: delay > 0 ? delay : undefined,
    log,
  });
  log(
    `worker ${w.name} ready: redis ${w.redisInfo.version}${w.redisInfo.appendOnly ? '' : ' (no append-only file: a restart can lose shards)'}; waiting for shards`,
  );
  const graceMs = seconds('--grace', v.grace, 0);
  await new Promise<void>((done) => {
    let signals = 0;
    const onSignal = (sig: string) => {
      if (++signals > 1) {
        log(`${sig} again: releasing the current shard now`);
        w.releaseNow();
        return;
      }
      log(`${sig}: finishing the current shard (up to ${graceMs / 1000} s), then stopping`);
      // With Redis unreachable, releasing the shard cannot reach it either: give up after a while (its
      // lock then runs out and another worker takes it over) rather than outlive the scheduler's patience.
      setTimeout(() => {
        log('could not stop cleanly (Redis unreachable?); exiting; the shard is taken over once its lock runs out');
        process.exit(EXIT_CODES.queue);
      }, graceMs + 10_000).unref();
      void w.stop(graceMs).then(({ released }) => {
        log(`stopped after ${w.shardsDone} shard(s)${released ? '; the unfinished shard went back to the queue' : ''}`);
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        done();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  return EXIT_CODES.ok;
}

async function status(q: Q, redis: string, run: string | undefined, v: Values, ctx: CommandContext): Promise<number> {
  let s = await q.runStatus(redis, run);
  const tty = !v.json && !!ctx.stderr.isTTY;
  while (v.watch && !s.finished && !(s.cancelled && s.shards.active === 0)) {
    if (tty) ctx.stderr.write(`\r\x1b[2K${bar(s)}`);
    else if (!v.json) ctx.stderr.write(`${bar(s)}\n`);
    await new Promise((r) => setTimeout(r, tty ? 2000 : 10_000)); // each poll opens connections: keep it light on a worker machine
    s = await q.runStatus(redis, s.runId);
  }
  if (tty && v.watch) ctx.stderr.write('\r\x1b[2K');
  if (v.json) ctx.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
  else ctx.stdout.write(renderStatus(s));
  return v.watch && s.images.failed > 0 ? EXIT_CODES.partial : EXIT_CODES.ok;
}

async function merge(q: Q, redis: string, run: string | undefined, ctx: CommandContext): Promise<number> {
  const r = await q.mergeQueuedRun(redis, run);
  const missing = r.missingShards.length
    ? `; ${r.missingShards.length} shard(s) have no index yet: ${r.missingShards.map((n) => n + 1).join(', ')}`
    : '';
  ctx.stdout.write(`run ${r.runId}: merged ${r.images} images into ${r.path}${missing}\n`);
  if (r.stacked.length) ctx.stdout.write(`stacked: ${r.stacked.join(', ')}\n`);
  if (r.legacy.length)
    ctx.stderr.write(
      `note: ${r.legacy.join(', ')} (the stacked name of earlier versions) now link(s) to the files above; new runs write only those\n`,
    );
  return EXIT_CODES.ok;
}

async function cancel(q: Q, redis: string, run: string | undefined, v: Values, ctx: CommandContext): Promise<number> {
  if (!run)
    throw new VggError('E_USAGE', 'queue cancel: give the run id (vggscope queue status --redis URL shows it)', {
      hint: 'vggscope queue cancel --redis URL RUN',
    });
  const r = await q.cancelRun(redis, run);
  if (v.json) ctx.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else
    ctx.stdout.write(
      `run ${r.runId} cancelled: ${r.removed} queued shard(s) removed${r.active ? `; ${r.active} running shard(s) finish on their workers` : ''}; submit it again to resume\n`,
    );
  return EXIT_CODES.ok;
}

function bar(s: RunStatus): string {
  const finished = s.images.done + s.images.failed;
  const frac = s.images.total ? finished / s.images.total : 1;
  return (
    `${'█'.repeat(Math.round(frac * 24)).padEnd(24, '░')} ${Math.floor(frac * 100)}% ${finished}/${s.images.total} img` +
    ` · ${s.imagesPerSecond} img/s${s.etaSeconds !== undefined ? ` · ETA ${formatDuration(s.etaSeconds)}` : ''}` +
    ` · shards ${s.shards.done} done, ${s.shards.active} active, ${s.shards.waiting} waiting${s.shards.failed ? `, ${s.shards.failed} failed` : ''}`
  );
}

function renderStatus(s: RunStatus): string {
  const lines = [
    `run ${s.runId} · ${s.model} · ${s.images.total} images in ${s.shards.total} shards → ${s.outDir}${s.finished ? ' · finished' : s.cancelled ? ' · cancelled' : ''}`,
    bar(s),
    `images: done ${s.images.done}, failed ${s.images.failed}, in active shards ${s.images.active}, remaining ${s.images.remaining}`,
    `shards: done ${s.shards.done}, failed ${s.shards.failed}, active ${s.shards.active}, waiting ${s.shards.waiting}${s.workers.length ? ` · workers: ${s.workers.join(', ')}` : ''}`,
  ];
  if (s.failedShards.length)
    lines.push(
      formatTable(
        ['failed shard', 'reason'],
        s.failedShards.map((f) => [f.shard, f.reason]),
      ),
    );
  if (s.failedImages.length)
    lines.push(
      formatTable(
        ['failed image', 'reason'],
        s.failedImages.map((f) => [f.image, reasonWithoutPath(f.image, f.reason)]),
      ),
    );
  if (s.merged) lines.push(`features index: ${s.merged}`);
  if (!s.redis.appendOnly) lines.push('note: this Redis has no append-only file: a restart can lose queued shards');
  return `${lines.join('\n')}\n`;
}

import { join } from 'node:path';
import {
  cleanOutputTemps,
  FEATURE_INDEX,
  type FeatureIndexRow,
  nonFiniteOutput,
  sharedFolderPaths,
  writeFeatureIndex,
} from '@vggscope/io';
import {
  EXIT_CODES,
  findLayer,
  type LayerOutput,
  type ResolvedVggConfig,
  VggError,
  type VggGraph,
} from '@vggscope/core';
import { type LoadImageOptions, loadInput } from '@vggscope/image';
import { VggPool } from '@vggscope/kernels/pool'; // no tfjs in the coordinating thread
import type { CommandContext } from '../context.js';
import { npySink, npzSink, type OutputRow, type OutputSink, stackSink } from '../folder-sinks.js';
import { listImages, outputKeys } from '../list-images.js';
import { Progress } from '../progress.js';
import { formatTable } from '../table.js';
import { reasonWithoutPath } from '../failures.js';
import { type WeightsInfo, weightsLine } from '../weights-info.js';

export interface FolderJob {
  /** The resolved model config every worker loads (weights resolved to a path). */
  config: ResolvedVggConfig & { weights: string };
  graph: VggGraph;
  weightsInfo: WeightsInfo;
  images: string[];
  /** Keras load_img options (interpolation, keepAspectRatio, colorMode, maxPixels) for every image. */
  imageOptions: Omit<LoadImageOptions, 'targetSize'>;
  recursive: boolean;
  outDir: string;
  workers?: number;
  skipExisting: boolean;
  format: 'npy' | 'npz';
  stack: boolean;
  json: boolean;
}

/** An image that could not be done: its path as given, the error's code, and `[code] message`. */
export interface Failure {
  image: string;
  code: string;
  reason: string;
}

/** The images of a run and where their outputs go. */
interface FolderPlan {
  images: string[];
  keys: string[];
  /** Paths relative to the folder the images share: the index's and the image lists' rule. */
  names: string[];
  shapes: Map<string, readonly number[]>;
}

/** What a run did, for the summary. */
interface FolderOutcome {
  done: number;
  skipped: number;
  todo: number;
  workers: number;
  failures: Failure[];
  files: string[];
  seconds: number;
  interrupted: boolean;
}

/**
 * Extracts a folder through the worker pool: inputs stream in with bounded memory, outputs are
 * written as they come back (atomically), one bad image is listed and skipped (exit 5). Every image
 * has its own output key (its path under the common folder), so nothing is overwritten. Ctrl-C
 * stops the workers, then makes what was finished visible and indexed (exit 130); an output fault
 * (read-only, full disk) stops the run with E_OUTPUT (exit 6) and leaves nothing partial.
 */
export async function extractFolder(job: FolderJob, ctx: CommandContext): Promise<number> {
  const note = (s: string) => job.json || ctx.stderr.write(`note: ${s}\n`);
  const plan = await planFolder(job, note);
  const stale = await cleanOutputTemps(job.outDir, job.format === 'npy' && !job.stack ? plan.keys : []);
  if (stale) note(`removed ${stale} unfinished temp file(s) left by an earlier run that was killed`);
  const outcome = await runFolder(job, plan, ctx, note);
  if (outcome.interrupted) {
    throw new VggError(
      'E_INTERRUPTED',
      `interrupted: ${outcome.done} of ${outcome.todo} images computed (${outcome.skipped} reused); their outputs are complete and indexed in ${join(job.outDir, FEATURE_INDEX)}, nothing partial was left; run again with --skip-existing to finish`,
    );
  }
  renderFolder(job, plan, outcome, ctx);
  return outcome.failures.length ? EXIT_CODES.partial : EXIT_CODES.ok;
}

async function planFolder(job: FolderJob, note: (s: string) => void): Promise<FolderPlan> {
  const images = await listImages(job.images, {
    recursive: job.recursive,
    onSkippedFolders: (dir, count) =>
      note(`${count} sub-folder(s) of ${dir} not searched; add --recursive to include their images`),
  });
  const shapes = new Map(job.config.layers.map((l) => [l, [1, ...findLayer(job.graph, l).outputShape]] as const));
  return { images, keys: outputKeys(images), names: sharedFolderPaths(images), shapes };
}

function openSink(job: FolderJob, plan: FolderPlan): Promise<OutputSink> {
  const setup = { outDir: job.outDir, keys: plan.keys, names: plan.names, shapes: plan.shapes };
  if (job.stack) return stackSink(setup, job.format, job.skipExisting);
  return job.format === 'npz' ? npzSink(setup, job.skipExisting) : Promise.resolve(npySink(setup));
}

/** Ctrl-C once: stop feeding, keep what is finished. Twice: quit now (temp files are cleaned next run). */
function onInterrupt(ctx: CommandContext): { signal: AbortSignal; dispose: () => void } {
  const abort = new AbortController();
  const handler = () => {
    if (abort.signal.aborted) process.exit(EXIT_CODES.interrupted);
    abort.abort();
    ctx.stderr.write(
      '\ninterrupted: stopping the workers and saving what is finished (Ctrl-C again to quit at once)\n',
    );
  };
  process.on('SIGINT', handler);
  return { signal: abort.signal, dispose: () => process.off('SIGINT', handler) };
}

async function runFolder(
  job: FolderJob,
  plan: FolderPlan,
  ctx: CommandContext,
  note: (s: string) => void,
): Promise<FolderOutcome> {
  const sink = await openSink(job, plan);
  const index = new Map<number, OutputRow[]>();
  const interrupt = onInterrupt(ctx);
  const t0 = performance.now();
  try {
    const todo: number[] = [];
    for (const i of plan.images.keys()) {
      const reused = job.skipExisting ? await sink.reuse(i) : undefined;
      if (reused) index.set(i, reused);
      else todo.push(i);
    }
    const computed = todo.length
      ? await computeImages(job, plan, todo, interrupt.signal, ctx, note, async (i, outputs) => {
          const bad = nonFiniteOutput(outputs, plan.images[i]!, 'extract: ');
          if (bad) throw bad;
          index.set(i, await sink.save(i, outputs));
        })
      : { done: 0, failures: [], workers: 0 };
    const files = await sink.finish();
    await writeIndex(job.outDir, plan, index);
    return {
      ...computed,
      skipped: plan.images.length - todo.length,
      todo: todo.length,
      files,
      seconds: (performance.now() - t0) / 1000,
      interrupted: interrupt.signal.aborted,
    };
  } catch (e) {
    await sink.abort();
    throw e;
  } finally {
    interrupt.dispose();
  }
}

/** Runs `todo` through a pool sized to the work; `save` is called in input order as results come back. */
async function computeImages(
  job: FolderJob,
  plan: FolderPlan,
  todo: readonly number[],
  signal: AbortSignal,
  ctx: CommandContext,
  note: (s: string) => void,
  save: (i: number, outputs: LayerOutput[]) => Promise<void>,
): Promise<{ done: number; failures: Failure[]; workers: number }> {
  // Workers beyond the images would only load weights: cap at the work (and the pool caps at the cores).
  const fit = VggPool.workersThatFit(job.config.threads);
  const requested = job.workers;
  if (requested !== undefined && requested > todo.length)
    note(`${requested} workers asked for ${todo.length} image(s) to compute; using ${Math.min(todo.length, fit)}`);
  // Resolves once every worker has loaded its weights: a configuration error (bad weights, weights
  // of another model) fails here with its own code, before any image is read.
  const pool = await VggPool.create({ ...job.config, workers: Math.min(requested ?? fit, todo.length) });
  try {
    if (pool.capped)
      note(
        `${pool.capped.requested} workers × ${job.config.threads} thread(s) would exceed the ${pool.capped.cores} cores; using ${pool.workers}`,
      );
    const progress = new Progress('extract', todo.length, { unit: ' img', stream: ctx.stderr, quiet: job.json });
    const failures: Failure[] = [];
    let done = 0;
    const load = (i: number) => loadInput(plan.images[i]!, job.config.inputSize, job.imageOptions);
    for await (const r of pool.map(todo, load, { signal })) {
      if (r.error) {
        if (signal.aborted) continue; // cancelled by Ctrl-C: neither done nor failed
        failures.push({
          image: plan.images[r.item]!,
          code: r.error.code,
          reason: `[${r.error.code}] ${r.error.message}`,
        });
      } else {
        await save(r.item, r.outputs!);
        done++;
      }
      progress.update(done + failures.length);
    }
    progress.end();
    return { done, failures, workers: pool.workers };
  } finally {
    await pool.destroy();
  }
}

async function writeIndex(outDir: string, plan: FolderPlan, index: ReadonlyMap<number, OutputRow[]>): Promise<void> {
  if (index.size === 0) return;
  const rows: FeatureIndexRow[] = [...index.keys()]
    .sort((a, b) => a - b)
    .map((i) => ({ image: plan.names[i]!, key: plan.keys[i]!, outputs: index.get(i)! }));
  await writeFeatureIndex(outDir, rows);
}

function renderFolder(job: FolderJob, plan: FolderPlan, o: FolderOutcome, ctx: CommandContext): void {
  const summary = {
    images: plan.images.length,
    done: o.done,
    skipped: o.skipped,
    failed: o.failures.length,
    seconds: Number(o.seconds.toFixed(2)),
    imagesPerSecond: Number((o.done / Math.max(o.seconds, 1e-3)).toFixed(2)),
    workers: o.workers,
    threadsPerWorker: job.config.threads,
    outDir: job.outDir,
    files: o.files,
    weights: job.weightsInfo,
    failures: o.failures,
  };
  if (job.json) {
    ctx.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const model =
    typeof job.config.model === 'string' ? job.config.model : (job.config.model.variant ?? job.config.model.name);
  ctx.stdout.write(
    `${model} · ${summary.images} images · ${o.workers} worker(s) × ${job.config.threads} thread(s) · ${summary.imagesPerSecond} img/s\n${weightsLine(job.weightsInfo)}\n`,
  );
  ctx.stdout.write(`done ${o.done}, skipped ${o.skipped} (outputs exist), failed ${o.failures.length}\n`);
  if (o.failures.length)
    ctx.stdout.write(
      `${formatTable(
        ['failed image', 'reason'],
        o.failures.map((f) => [f.image, reasonWithoutPath(f.image, f.reason)]),
      )}\n`,
    );
  const where = o.files.length ? o.files.join(', ') : job.outDir;
  ctx.stdout.write(`features in ${where}, index in ${join(job.outDir, FEATURE_INDEX)}\n`);
}

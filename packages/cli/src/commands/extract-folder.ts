import { dirname, join } from 'node:path';
import { cleanStaleTemps, writeFileAtomic } from '@vggscope/io';
import { EXIT_CODES, findLayer, type LayerOutput, type VggConfig, VggError, type VggGraph } from '@vggscope/core';
import { type LoadImageOptions, loadInput } from '@vggscope/image';
import { VggPool } from '@vggscope/kernels/pool'; // no tfjs in the coordinating thread
import type { CommandContext } from '../context.js';
import { npySink, npzSink, type OutputRow, type OutputSink, stackSink } from '../folder-sinks.js';
import { listImages, outputKeys } from '../list-images.js';
import { outputStats } from '../output-stats.js';
import { Progress } from '../progress.js';
import { formatTable } from '../table.js';
import { type WeightsInfo, weightsLine } from '../weights-info.js';

export interface FolderJob {
  /** The validated model config every worker loads (weights resolved to a path). */
  config: VggConfig & { weights: string };
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

interface Failure {
  image: string;
  reason: string;
}

/**
 * Extracts a folder through the worker pool: inputs stream in with bounded memory, outputs are
 * written as they come back (atomically), one bad image is listed and skipped (exit 5). Every image
 * has its own output key (its path under the common folder), so nothing is overwritten. Ctrl-C
 * stops the workers, then makes what was finished visible and indexed (exit 130); an output fault
 * (read-only, full disk) stops the run with E_OUTPUT (exit 6) and leaves nothing partial.
 */
export async function extractFolder(job: FolderJob, ctx: CommandContext): Promise<number> {
  const images = await listImages(job.images, { recursive: job.recursive });
  const keys = outputKeys(images);
  const shapes = new Map(job.config.layers.map((l) => [l, [1, ...findLayer(job.graph, l).outputShape]] as const));
  const note = (s: string) => job.json || ctx.stderr.write(`note: ${s}\n`);

  const dirs = new Set([
    job.outDir,
    ...(job.format === 'npy' && !job.stack ? keys.map((k) => dirname(join(job.outDir, k, 'x'))) : []),
  ]);
  let stale = 0;
  for (const d of dirs) stale += (await cleanStaleTemps(d)).length;
  if (stale) note(`removed ${stale} unfinished temp file(s) left by an earlier run that was killed`);

  const setup = { outDir: job.outDir, keys, images, shapes };
  const sink: OutputSink = job.stack
    ? await stackSink(setup, job.format)
    : job.format === 'npz'
      ? await npzSink(setup, job.skipExisting)
      : npySink(setup);
  const index = new Map<number, OutputRow[]>();
  const todo: { image: string; i: number }[] = [];
  let pool: VggPool | undefined;
  const failures: Failure[] = [];
  let done = 0;
  let interrupted = false;
  const abort = new AbortController();
  let sigints = 0;
  const onSigint = () => {
    // First Ctrl-C: stop feeding, keep what is finished. Second: quit now (temp files are cleaned next run).
    if (++sigints > 1) process.exit(EXIT_CODES.interrupted);
    interrupted = true;
    abort.abort();
    ctx.stderr.write(
      '\ninterrupted: stopping the workers and saving what is finished (Ctrl-C again to quit at once)\n',
    );
  };
  process.on('SIGINT', onSigint);
  const t0 = performance.now();
  let workers = 0;
  try {
    for (const [i, image] of images.entries()) {
      const reused = job.skipExisting ? await sink.reuse(i) : undefined;
      if (reused) index.set(i, reused);
      else todo.push({ image, i });
    }
    const skipped = index.size;
    if (todo.length > 0) {
      // Workers beyond the images would only load weights: cap at the work (and the pool caps at the cores).
      const fit = VggPool.workersThatFit(job.config.threads);
      const requested = job.workers;
      if (requested !== undefined && requested > todo.length)
        note(`${requested} workers asked for ${todo.length} image(s) to compute; using ${Math.min(todo.length, fit)}`);
      // Resolves once every worker has loaded its weights: a configuration error (bad weights, weights
      // of another model) fails here with its own code, before any image is read.
      pool = await VggPool.create({ ...job.config, workers: Math.min(requested ?? fit, todo.length) });
      workers = pool.workers;
      if (pool.capped)
        note(
          `${pool.capped.requested} workers × ${job.config.threads} thread(s) would exceed the ${pool.capped.cores} cores; using ${pool.workers}`,
        );
      const progress = new Progress('extract', todo.length, { unit: ' img', stream: ctx.stderr, quiet: job.json });
      const size = job.config.inputSize;
      for await (const r of pool.map(todo, ({ image }) => loadInput(image, size, job.imageOptions), {
        signal: abort.signal,
      })) {
        if (r.error) {
          if (interrupted) continue; // cancelled by Ctrl-C: neither done nor failed
          failures.push({ image: r.item.image, reason: `[${r.error.code}] ${r.error.message}` });
        } else {
          index.set(r.item.i, await save(r.item.i, r.outputs!));
          done++;
        }
        progress.update(done + failures.length);
      }
      progress.end();
    }
    const written = await sink.finish();
    await writeIndex();
    if (interrupted) {
      throw new VggError(
        'E_INTERRUPTED',
        `interrupted: ${done} of ${todo.length} images computed (${skipped} reused); their outputs are complete and indexed in ${join(job.outDir, 'features.jsonl')}, nothing partial was left` +
          (job.stack ? '' : '; run again with --skip-existing to finish'),
      );
    }
    const seconds = (performance.now() - t0) / 1000;
    const summary = {
      images: images.length,
      done,
      skipped,
      failed: failures.length,
      seconds: Number(seconds.toFixed(2)),
      imagesPerSecond: Number((done / Math.max(seconds, 1e-3)).toFixed(2)),
      workers,
      outDir: job.outDir,
      files: written,
      weights: job.weightsInfo,
      failures,
    };
    if (job.json) ctx.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      ctx.stdout.write(
        `${modelName(job.config)} · ${images.length} images · ${workers} workers · ${summary.imagesPerSecond} img/s\n${weightsLine(job.weightsInfo)}\n`,
      );
      ctx.stdout.write(`done ${done}, skipped ${skipped} (outputs exist), failed ${failures.length}\n`);
      if (failures.length)
        ctx.stdout.write(
          `${formatTable(
            ['failed image', 'reason'],
            failures.map((f) => [f.image, f.reason]),
          )}\n`,
        );
      const where = written.length ? written.join(', ') : job.outDir;
      ctx.stdout.write(`features in ${where}, index in ${join(job.outDir, 'features.jsonl')}\n`);
    }
    return failures.length ? EXIT_CODES.partial : EXIT_CODES.ok;
  } catch (e) {
    if (!(e instanceof VggError && e.code === 'E_INTERRUPTED')) await sink.abort();
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    await pool?.destroy();
  }

  async function save(i: number, outputs: LayerOutput[]) {
    for (const o of outputs) outputStats(o, images[i]!);
    return sink.save(i, outputs);
  }

  async function writeIndex() {
    if (index.size === 0) return;
    const lines = [...index.keys()]
      .sort((a, b) => a - b)
      .map((i) => JSON.stringify({ image: images[i], key: keys[i], outputs: index.get(i) }));
    await writeFileAtomic(join(job.outDir, 'features.jsonl'), new TextEncoder().encode(`${lines.join('\n')}\n`));
  }
}

function modelName(config: VggConfig): string {
  return typeof config.model === 'string' ? config.model : (config.model.variant ?? config.model.name);
}

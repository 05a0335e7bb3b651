import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNpy, type LayerOutput, loadInput, NpzWriter, VggError, type VggConfig, writeFileAtomic, EXIT_CODES } from '@vggscope/core';
import { VggPool } from '@vggscope/kernels/pool'; // no tfjs in the coordinating thread
import type { CommandContext } from '../context.js';
import { listImages, outputNames } from '../list-images.js';
import { outputStats } from '../output-stats.js';
import { Progress } from '../progress.js';
import { formatTable } from '../table.js';

export interface FolderJob {
  /** The validated model config every worker loads (weights resolved to a path). */
  config: VggConfig & { weights: string };
  images: string[];
  outDir: string;
  workers?: number;
  skipExisting: boolean;
  format: 'npy' | 'npz';
  json: boolean;
}

interface Failure {
  image: string;
  reason: string;
}

/**
 * Extracts a folder through the worker pool: inputs stream in with bounded memory, outputs are
 * written as they come back (atomically), one bad image is listed and skipped, and Ctrl-C stops
 * the workers and removes the unfinished .npz. Exit status 5 ("partial") when any image failed.
 */
export async function extractFolder(job: FolderJob, ctx: CommandContext): Promise<number> {
  const images = await listImages(job.images);
  const names = outputNames(images);
  const fileFor = (i: number, layer: string) => join(job.outDir, names[i]!, `${layer}.npy`);
  const todo = images.map((image, i) => ({ image, i })).filter(({ i }) => !(job.skipExisting && job.format === 'npy' && job.config.layers.every((l) => existsSync(fileFor(i, l)))));
  const skipped = images.length - todo.length;

  // Resolves once every worker has loaded its weights: a configuration error (bad weights, weights of
  // another model) fails here with its own code, before any image is read.
  const pool = await VggPool.create({ ...job.config, workers: job.workers });
  if (pool.capped && !job.json) {
    ctx.stderr.write(`note: ${pool.capped.requested} workers × ${job.config.threads} thread(s) would exceed the ${pool.capped.cores} cores; using ${pool.workers}\n`);
  }
  const npz = job.format === 'npz' ? await NpzWriter.create(join(job.outDir, 'features.npz')) : undefined;
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  const progress = new Progress('extract', todo.length, { unit: ' img', stream: ctx.stderr, quiet: job.json });
  const manifest: string[] = [];
  const failures: Failure[] = [];
  let done = 0;
  const t0 = performance.now();
  try {
    const size = job.config.inputSize;
    for await (const r of pool.map(todo, ({ image }) => loadInput(image, size), { signal: abort.signal })) {
      if (r.error) failures.push({ image: r.item.image, reason: `[${r.error.code}] ${r.error.message}` });
      else {
        manifest.push(JSON.stringify({ image: r.item.image, outputs: await save(r.item.i, r.outputs!) }));
        done++;
      }
      progress.update(done + failures.length);
    }
    if (abort.signal.aborted) throw new VggError('E_INTERRUPTED', `interrupted: ${done} of ${todo.length} images done; their files are complete, nothing partial was left`);
    await npz?.close();
  } catch (e) {
    await npz?.abort();
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    await pool.destroy();
  }
  if (manifest.length) await writeFileAtomic(join(job.outDir, 'features.jsonl'), new TextEncoder().encode(`${manifest.join('\n')}\n`));

  const seconds = (performance.now() - t0) / 1000;
  const summary = { images: images.length, done, skipped, failed: failures.length, seconds: Number(seconds.toFixed(2)), imagesPerSecond: Number((done / seconds).toFixed(2)), workers: pool.workers, outDir: job.outDir, failures };
  if (job.json) ctx.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    ctx.stdout.write(`${modelName(job.config)} · ${images.length} images · ${pool.workers} workers · ${summary.imagesPerSecond} img/s\n`);
    ctx.stdout.write(`done ${done}, skipped ${skipped} (outputs exist), failed ${failures.length}\n`);
    if (failures.length) ctx.stdout.write(`${formatTable(['failed image', 'reason'], failures.map((f) => [f.image, f.reason]))}\n`);
    ctx.stdout.write(`features in ${job.format === 'npz' ? join(job.outDir, 'features.npz') : job.outDir}, index in ${join(job.outDir, 'features.jsonl')}\n`);
  }
  return failures.length ? EXIT_CODES.partial : EXIT_CODES.ok;

  async function save(i: number, outputs: LayerOutput[]) {
    const rows = [];
    for (const o of outputs) {
      outputStats(o, images[i]!);
      const key = `${names[i]}/${o.layer}`;
      if (npz) await npz.add(key, o);
      else await writeFileAtomic(fileFor(i, o.layer), encodeNpy(o));
      rows.push({ layer: o.layer, shape: o.shape, ...(npz ? { npz: 'features.npz', key } : { file: fileFor(i, o.layer) }) });
    }
    return rows;
  }
}

function modelName(config: VggConfig): string {
  return typeof config.model === 'string' ? config.model : (config.model.variant ?? config.model.name);
}

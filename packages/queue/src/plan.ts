import { createHash } from 'node:crypto';
import { basename, dirname, extname, sep } from 'node:path';
import { commonFolder, outputKeys } from '@vggscope/io';
import { type ResolvedVggConfig, VggError } from '@vggscope/core';

/**
 * The extraction config that travels in every job: the submitting machine's `ResolvedVggConfig`,
 * as plain JSON — the model by name, and the weights as a request, resolved on each worker (an
 * explicit path must be visible there too, e.g. on the shared mount).
 */
export type QueueModelConfig = Pick<
  ResolvedVggConfig,
  'includeTop' | 'pooling' | 'inputSize' | 'layers' | 'backend'
> & {
  /** 'vgg16', 'vgg19' (or a test model's registered name). */
  readonly model: string;
  /** An explicit weights path; undefined: each worker resolves the official weights (cache or download). */
  readonly weights?: string;
};

/**
 * The job's config from a resolved one (the queue resolves nothing again): `weights` is the
 * request to pass on, not the resolved config's (a path on the submitting machine, or a placeholder).
 * @example queueModelConfig(resolveVggConfig({ weights: 'official', pooling: 'avg' }).config) // { model: 'vgg16', pooling: 'avg', … }
 */
export function queueModelConfig(config: ResolvedVggConfig, weights?: string): QueueModelConfig {
  if (typeof config.model !== 'string')
    throw new VggError('E_USAGE', 'queue: the model must be given by name (jobs travel as JSON)');
  return canonicalConfig({
    model: config.model,
    includeTop: config.includeTop,
    pooling: config.pooling,
    inputSize: config.inputSize,
    layers: config.layers,
    backend: config.backend,
    weights,
  });
}

export interface ShardItem {
  /** Absolute image path, the same on every machine (a shared mount). */
  readonly image: string;
  /** The path relative to the run's shared folder: what the index records (as folder mode does). */
  readonly path: string;
  /** Output key under `outDir`, as folder mode's `outputKeys` gives it (`x`, or `a/x` beside `b/x`). */
  readonly name: string;
}

/**
 * One BullMQ job's data. Version `v` lets a worker refuse jobs of a format it does not know. The
 * images are kept compact, as Redis holds every queued job: paths relative to the run's common
 * folder, and an output name only where it is not the file's stem (`shardItems` expands them).
 */
export interface ShardJob {
  readonly v: 1;
  readonly runId: string;
  /** 0-based position in the run: the merged index keeps this order. */
  readonly seq: number;
  readonly shards: number;
  readonly outDir: string;
  readonly config: QueueModelConfig;
  /** The folder every image path of the run starts with (ends with '/'). */
  readonly root: string;
  readonly paths: readonly string[];
  /** Output names that differ from the stem (colliding stems), by position in `paths`. */
  readonly names?: Readonly<Record<number, string>>;
}

/** The shard's images with their output folder names. */
export function shardItems(job: ShardJob): ShardItem[] {
  return job.paths.map((p, i) => {
    const image = job.root + p;
    return { image, path: p, name: job.names?.[i] ?? basename(image, extname(image)) };
  });
}

export interface RunPlan {
  readonly runId: string;
  readonly outDir: string;
  readonly config: QueueModelConfig;
  /** The folder every image shares (ends with the separator). */
  readonly root: string;
  readonly images: number;
  readonly shardSize: number;
  readonly shards: readonly { jobId: string; data: ShardJob }[];
}

/**
 * Splits images into shards with ids that depend only on what they compute: the run id hashes the
 * config, output folder and every path; a shard's job id adds the hash of its own paths. Planning
 * the same run twice gives the same ids, so a second submit adds nothing.
 * @example planRun(['/p/a.png', '/p/b.png', '/p/c.png'], cfg, '/out', 2).shards.map((s) => s.data.paths) // [['a.png', 'b.png'], ['c.png']]
 */
export function planRun(
  images: readonly string[],
  config: QueueModelConfig,
  outDir: string,
  shardSize: number,
): RunPlan {
  const names = outputKeys(images); // the keys folder mode uses: a/x.png and b/x.png never collide
  const canonical = canonicalConfig(config);
  const runId = hash({ config: canonical, outDir, images, shardSize }).slice(0, 16);
  const count = Math.ceil(images.length / shardSize);
  const shared = commonFolder(images.map((p) => dirname(p)));
  const root = shared.endsWith(sep) ? shared : shared + sep;
  const shards = Array.from({ length: count }, (_, seq) => {
    const items = images
      .slice(seq * shardSize, (seq + 1) * shardSize)
      .map((image, i) => ({ image, name: names[seq * shardSize + i]! }));
    const jobId = `${runId}-${String(seq).padStart(6, '0')}-${hash({ config: canonical, outDir, items }).slice(0, 12)}`;
    const renamed = Object.fromEntries(
      items.flatMap((it, i) => (it.name === basename(it.image, extname(it.image)) ? [] : [[i, it.name]])),
    );
    const data: ShardJob = {
      v: 1,
      runId,
      seq,
      shards: count,
      outDir,
      config: canonical,
      root,
      paths: items.map((it) => it.image.slice(root.length)),
      ...(Object.keys(renamed).length ? { names: renamed } : {}),
    };
    return { jobId, data };
  });
  return { runId, outDir, config: canonical, root, images: images.length, shardSize, shards };
}

/** A key-order-independent copy without undefined fields, so equal configs hash equally. */
export function canonicalConfig(c: QueueModelConfig): QueueModelConfig {
  return {
    model: c.model,
    includeTop: c.includeTop,
    pooling: c.pooling,
    inputSize: [c.inputSize[0], c.inputSize[1]],
    layers: [...c.layers],
    ...(c.backend === undefined ? {} : { backend: c.backend }),
    ...(c.weights === undefined ? {} : { weights: c.weights }),
  };
}

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

import { existsSync } from 'node:fs';
import { copyFile, link, readFile, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { LayerOutput } from '@vggscope/core';
import {
  commonFolder,
  decodeNpy,
  type FeatureIndexRow,
  legacyStackedFileName,
  outputError,
  StackedOutputs,
  tempPathFor,
  writeFeatureIndex,
} from '@vggscope/io';
import type { RunMeta } from './run-store.js';
import { shardIndexPath } from './shard-runner.js';

export interface MergeResult {
  /** `outDir/features.jsonl`: one line per image done, in submit order (as folder mode writes it). */
  path: string;
  images: number;
  /** Shards without an index (failed for good): their images are not in the merged file. */
  missingShards: number[];
  /**
   * When the run asked for stacked arrays: what folder mode's `--stack` writes, `features.npy` (one
   * layer) or `features_<layer>.npy`, and `images.txt`.
   */
  stacked: string[];
  /**
   * `features-<layer>.npy` files an earlier version's merge wrote here: rewritten as links to the
   * new files, so what reads them keeps working.
   */
  legacy: string[];
}

type Row = Partial<FeatureIndexRow> & { image: string };

/**
 * Joins the shard indexes into one `features.jsonl` (and, if the run asked, one stacked `[N, …]`
 * array per layer, rows in the same order, streamed one image at a time), written atomically.
 */
export async function mergeRun(meta: RunMeta): Promise<MergeResult> {
  const { done, missingShards } = await readShardIndexes(meta);
  const path = await writeFeatureIndex(meta.outDir, done);
  const stacked = meta.stack && done.length ? await stack(meta, done) : [];
  const legacy = stacked.length ? await relinkLegacy(meta, stacked) : [];
  return { path, images: done.length, missingShards, stacked, legacy };
}

async function readShardIndexes(meta: RunMeta): Promise<{ done: FeatureIndexRow[]; missingShards: number[] }> {
  const rows: Row[] = [];
  const missingShards: number[] = [];
  for (let seq = 0; seq < meta.shards; seq++) {
    const text = await readFile(shardIndexPath(meta.outDir, meta.runId, seq), 'utf8').catch(() => undefined);
    if (text === undefined) missingShards.push(seq);
    else for (const line of text.split('\n')) if (line) rows.push(JSON.parse(line) as Row);
  }
  const done = rows.filter((r): r is FeatureIndexRow => !!r.outputs);
  // Runs of earlier versions recorded absolute paths: make them relative to the shared folder too.
  const absolute = done.filter((r) => isAbsolute(r.image)).map((r) => dirname(r.image));
  const root = meta.root ?? (absolute.length ? commonFolder(absolute) : '');
  for (const r of done) if (isAbsolute(r.image)) r.image = relative(root, r.image).split(sep).join('/');
  return { done, missingShards };
}

/** The run's stacked arrays, through the writer folder mode's `--stack` uses: same names, same bytes. */
async function stack(meta: RunMeta, rows: readonly FeatureIndexRow[]): Promise<string[]> {
  const shapes = new Map(
    meta.config.layers.map((layer) => [layer, rows[0]!.outputs.find((o) => o.layer === layer)!.shape] as const),
  );
  const out = await StackedOutputs.create({ outDir: meta.outDir, shapes, format: 'npy' });
  try {
    for (const [i, row] of rows.entries()) {
      const outputs: LayerOutput[] = [];
      for (const o of row.outputs) {
        const t = decodeNpy(await readFile(o.file));
        outputs.push({ layer: o.layer, index: 0, shape: t.shape, data: t.data, ms: 0 });
      }
      await out.append(i, row.image, outputs);
    }
    return await out.finish();
  } catch (e) {
    await out.abort();
    throw e;
  }
}

/** Points each `features-<layer>.npy` an earlier merge left at the new stacked file (a hard link, else a copy). */
async function relinkLegacy(meta: RunMeta, stacked: readonly string[]): Promise<string[]> {
  const relinked: string[] = [];
  for (const [l, layer] of meta.config.layers.entries()) {
    const old = join(meta.outDir, legacyStackedFileName(layer));
    if (!existsSync(old)) continue;
    const tmp = tempPathFor(old);
    try {
      await link(stacked[l]!, tmp).catch(() => copyFile(stacked[l]!, tmp));
      await rename(tmp, old);
    } catch (e) {
      await rm(tmp, { force: true });
      throw outputError(old, e);
    }
    relinked.push(old);
  }
  return relinked;
}

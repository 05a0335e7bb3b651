import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeNpy, encodeNpy, writeFileAtomic } from '@vggscope/io';
import type { RunMeta } from './run-store.js';
import { shardIndexPath } from './shard-runner.js';

export interface MergeResult {
  /** `outDir/features.jsonl`: one line per image done, in submit order (as folder mode writes it). */
  path: string;
  images: number;
  /** Shards without an index (failed for good): their images are not in the merged file. */
  missingShards: number[];
  /** `outDir/features-<layer>.npy` when the run asked for stacked arrays. */
  stacked: string[];
}

interface Row {
  image: string;
  key?: string;
  outputs?: { layer: string; shape: number[]; file: string }[];
}

/**
 * Joins the shard indexes into one `features.jsonl` (and, if the run asked, one stacked
 * `[N, …]` array per layer, rows in the same order), written atomically.
 */
export async function mergeRun(meta: RunMeta): Promise<MergeResult> {
  const lines: string[] = [];
  const done: Row[] = [];
  const missingShards: number[] = [];
  for (let seq = 0; seq < meta.shards; seq++) {
    const text = await readFile(shardIndexPath(meta.outDir, meta.runId, seq), 'utf8').catch(() => undefined);
    if (text === undefined) {
      missingShards.push(seq);
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      const row = JSON.parse(line) as Row;
      if (!row.outputs) continue;
      lines.push(JSON.stringify({ image: row.image, key: row.key, outputs: row.outputs }));
      done.push(row);
    }
  }
  const path = join(meta.outDir, 'features.jsonl');
  await writeFileAtomic(path, new TextEncoder().encode(lines.length ? `${lines.join('\n')}\n` : ''));
  const stacked = meta.stack && done.length ? await stack(meta, done) : [];
  return { path, images: done.length, missingShards, stacked };
}

// Holds one layer of the whole run in memory: fine for pooled features (512 floats an image,
// 2 GB per million images); for spatial maps use features.jsonl and the per-image files.
// TODO: stream the stacked .npy to disk instead of holding it, for runs larger than memory.
async function stack(meta: RunMeta, rows: Row[]): Promise<string[]> {
  const written: string[] = [];
  for (const layer of meta.config.layers) {
    const first = rows[0]!.outputs!.find((o) => o.layer === layer)!;
    const per = first.shape.slice(1).reduce((a, b) => a * b, 1);
    const data = new Float32Array(per * rows.length);
    for (const [i, row] of rows.entries()) {
      const file = row.outputs!.find((o) => o.layer === layer)!.file;
      data.set(decodeNpy(await readFile(file)).data, i * per);
    }
    const path = join(meta.outDir, `features-${layer}.npy`);
    await writeFileAtomic(path, encodeNpy({ data, shape: [rows.length, ...first.shape.slice(1)] }));
    written.push(path);
  }
  return written;
}

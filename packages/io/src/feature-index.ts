import { join } from 'node:path';
import { type LayerOutput, VggError } from '@vggscope/core';
import { writeFileAtomic } from './atomic-write.js';
import { encodeNpy } from './npy.js';

/** Where one image's array for one layer is: an entry of a `features.jsonl` row's `outputs`. */
export interface OutputRow {
  layer: string;
  shape: readonly number[];
  file: string;
  /** The key inside an `.npz`, or the row of a stacked array. */
  key?: string;
  row?: number;
}

/**
 * One line of `features.jsonl`: the image (relative to the folder the run's images share, see
 * `sharedFolderPaths`), its output key, and where each layer's array is.
 */
export interface FeatureIndexRow {
  image: string;
  key: string;
  outputs: readonly OutputRow[];
}

/** The index file of an output folder. */
export const FEATURE_INDEX = 'features.jsonl';

/** `features.jsonl`'s bytes: one JSON object a line, in the order given (the run's input order). */
export function encodeFeatureIndex(rows: readonly FeatureIndexRow[]): Uint8Array {
  const lines = rows.map((r) => JSON.stringify({ image: r.image, key: r.key, outputs: r.outputs }));
  return new TextEncoder().encode(lines.length ? `${lines.join('\n')}\n` : '');
}

/** Writes `outDir/features.jsonl` atomically; returns its path. */
export async function writeFeatureIndex(outDir: string, rows: readonly FeatureIndexRow[]): Promise<string> {
  const path = join(outDir, FEATURE_INDEX);
  await writeFileAtomic(path, encodeFeatureIndex(rows));
  return path;
}

/** `outDir/<key>/<layer>.npy`: where an image's array for one layer goes in the one-file-per-array layout. */
export function npyOutputPath(outDir: string, key: string, layer: string): string {
  return join(outDir, ...key.split('/'), `${layer}.npy`);
}

/**
 * Writes one image's layer outputs as `outDir/<key>/<layer>.npy`, each atomically: the layout of
 * `extract` (single images and folder mode) and of the queue's workers. Returns the index rows.
 * @example await saveNpyOutputs('/out', 'a/x', outputs) // [{ layer: 'block5_pool', shape: [1, 7, 7, 512], file: '/out/a/x/block5_pool.npy' }]
 */
export async function saveNpyOutputs(
  outDir: string,
  key: string,
  outputs: readonly LayerOutput[],
): Promise<OutputRow[]> {
  const rows: OutputRow[] = [];
  for (const o of outputs) {
    const file = npyOutputPath(outDir, key, o.layer);
    await writeFileAtomic(file, encodeNpy(o));
    rows.push({ layer: o.layer, shape: o.shape, file });
  }
  return rows;
}

/**
 * The check every output passes before it is written: NaN or Inf anywhere (broken weights) gives
 * `E_NON_FINITE` naming the layer and the image; undefined when every value is finite. Folder mode
 * and single images throw it, the queue records the image as failed.
 * @example nonFiniteOutput(outputs, 'cat.png', 'extract: ')?.message // "extract: layer 'fc1' of 'cat.png' produced NaN or Inf; …"
 */
export function nonFiniteOutput(outputs: readonly LayerOutput[], image: string, prefix = ''): VggError | undefined {
  for (const o of outputs) {
    const d = o.data;
    for (let i = 0; i < d.length; i++) {
      // x - x is 0 for every finite x and NaN for NaN and ±Inf: one test for both.
      if (d[i]! - d[i]! !== 0)
        return new VggError(
          'E_NON_FINITE',
          `${prefix}layer '${o.layer}' of '${image}' produced NaN or Inf; the weights are probably corrupt`,
        );
    }
  }
  return undefined;
}

import { join } from 'node:path';
import {
  type NpzArchive,
  NpzWriter,
  npyFileMatches,
  npyOutputPath,
  openNpz,
  type OutputRow,
  PreviousStack,
  saveNpyOutputs,
  StackedOutputs,
} from '@vggscope/io';
import { type LayerOutput } from '@vggscope/core';

export type { OutputRow } from '@vggscope/io';

/**
 * Where folder extraction puts arrays: one `.npy` per image and layer, one `.npz`, or stacked
 * `[N, …]` arrays. `reuse` answers --skip-existing (only outputs exactly as this run would write
 * them count); `finish` makes everything visible (also after Ctrl-C, with what was done); `abort`
 * removes what is unfinished. The writing itself is `@vggscope/io`'s, shared with the queue.
 */
export interface OutputSink {
  reuse(i: number): Promise<OutputRow[] | undefined>;
  save(i: number, outputs: readonly LayerOutput[]): Promise<OutputRow[]>;
  finish(): Promise<string[]>;
  abort(): Promise<void>;
}

export interface SinkSetup {
  outDir: string;
  /** Output key per image (`a/x`), from `outputKeys`. */
  keys: readonly string[];
  /** Each image's path relative to the folder they share (`a/x.png`): what the image lists hold. */
  names: readonly string[];
  /** Shape each layer's output has for one image, `[1, …]`. */
  shapes: ReadonlyMap<string, readonly number[]>;
}

export function npySink({ outDir, keys, shapes }: SinkSetup): OutputSink {
  const rows = (i: number) =>
    [...shapes].map(([layer, shape]) => ({ layer, shape, file: npyOutputPath(outDir, keys[i]!, layer) }));
  return {
    async reuse(i) {
      for (const [layer, shape] of shapes)
        if (!(await npyFileMatches(npyOutputPath(outDir, keys[i]!, layer), shape))) return undefined;
      return rows(i);
    },
    save: (i, outputs) => saveNpyOutputs(outDir, keys[i]!, outputs),
    finish: async () => [],
    abort: async () => {},
  };
}

export async function npzSink({ outDir, keys, shapes }: SinkSetup, skipExisting: boolean): Promise<OutputSink> {
  const path = join(outDir, 'features.npz');
  const old: NpzArchive | undefined = skipExisting ? await openNpz(path) : undefined;
  const writer = await NpzWriter.create(path);
  const rows = (i: number) =>
    [...shapes].map(([layer, shape]) => ({ layer, shape, file: path, key: `${keys[i]}/${layer}` }));
  return {
    async reuse(i) {
      if (!old) return undefined;
      for (const [layer, shape] of shapes) if (!(await old.matches(`${keys[i]}/${layer}`, shape))) return undefined;
      for (const r of rows(i))
        await writer.addStream(r.key, old.entries.get(r.key)!.size, old.read(r.key), old.entries.get(r.key)!.crc);
      return rows(i);
    },
    async save(i, outputs) {
      for (const o of outputs) await writer.add(`${keys[i]}/${o.layer}`, o);
      return rows(i);
    },
    async finish() {
      await writer.close();
      await old?.close();
      return [path];
    },
    async abort() {
      await writer.abort();
      await old?.close();
    },
  };
}

/**
 * `--stack`: one `[N, …]` array per layer in input order plus the image list, written by
 * `StackedOutputs` (as `queue merge` writes them). With --skip-existing the rows of an earlier,
 * interrupted stack are copied instead of computed again.
 */
export async function stackSink(
  { outDir, names, shapes }: SinkSetup,
  format: 'npy' | 'npz',
  skipExisting: boolean,
): Promise<OutputSink> {
  const previous = skipExisting ? await PreviousStack.open(outDir, shapes, format) : undefined;
  const stack = await StackedOutputs.create({ outDir, shapes, format, previous });
  return {
    reuse: async (i) => stack.reuse(i, names[i]!),
    save: (i, outputs) => stack.append(i, names[i]!, outputs),
    finish: () => stack.finish(),
    abort: () => stack.abort(),
  };
}

import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  encodeNpy,
  encodeNpyStrings,
  npyFileMatches,
  NpyStackWriter,
  type NpzArchive,
  NpzWriter,
  openNpz,
  tempPathFor,
  writeFileAtomic,
} from '@vggscope/io';
import { type LayerOutput } from '@vggscope/core';

/** One row of `features.jsonl`'s outputs: where an image's array for one layer is. */
export interface OutputRow {
  layer: string;
  shape: readonly number[];
  file: string;
  /** The key inside an `.npz`, or the row of a stacked array. */
  key?: string;
  row?: number;
}

/**
 * Where folder extraction puts arrays: one `.npy` per image and layer, one `.npz`, or stacked
 * `[N, …]` arrays. `reuse` answers --skip-existing (only outputs exactly as this run would write
 * them count); `finish` makes everything visible (also after Ctrl-C, with what was done); `abort`
 * removes what is unfinished.
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
  images: readonly string[];
  /** Shape each layer's output has for one image, `[1, …]`. */
  shapes: ReadonlyMap<string, readonly number[]>;
}

export function npySink({ outDir, keys, shapes }: SinkSetup): OutputSink {
  const fileFor = (i: number, layer: string) => join(outDir, ...keys[i]!.split('/'), `${layer}.npy`);
  const rows = (i: number) => [...shapes].map(([layer, shape]) => ({ layer, shape, file: fileFor(i, layer) }));
  return {
    async reuse(i) {
      for (const [layer, shape] of shapes) if (!(await npyFileMatches(fileFor(i, layer), shape))) return undefined;
      return rows(i);
    },
    async save(i, outputs) {
      for (const o of outputs) await writeFileAtomic(fileFor(i, o.layer), encodeNpy(o));
      return rows(i);
    },
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
 * `--stack`: one `[N, …]` array per layer in input order, plus the image list. `.npy`: `features.npy`
 * (one layer) or `features_<layer>.npy`, and `images.txt`; `.npz`: `features.npz` holding each layer
 * under its name and `images` (a unicode array).
 */
export async function stackSink({ outDir, images, shapes }: SinkSetup, format: 'npy' | 'npz'): Promise<OutputSink> {
  const single = shapes.size === 1;
  const target = (layer: string) =>
    format === 'npz'
      ? tempPathFor(join(outDir, `${layer}.npy`))
      : join(outDir, single ? 'features.npy' : `features_${layer}.npy`);
  const writers = new Map<string, NpyStackWriter>();
  for (const [layer, shape] of shapes) writers.set(layer, await NpyStackWriter.create(target(layer), shape.slice(1)));
  const names: string[] = [];
  const npzPath = join(outDir, 'features.npz');
  return {
    reuse: async () => undefined,
    async save(i, outputs) {
      const row = names.length;
      for (const o of outputs) await writers.get(o.layer)!.append(o);
      names.push(images[i]!);
      return outputs.map((o) => ({
        layer: o.layer,
        shape: o.shape,
        file: format === 'npz' ? npzPath : writers.get(o.layer)!.path,
        ...(format === 'npz' ? { key: o.layer } : {}),
        row,
      }));
    },
    async finish() {
      for (const w of writers.values()) await w.close();
      if (format === 'npy') {
        await writeFileAtomic(
          join(outDir, 'images.txt'),
          new TextEncoder().encode(names.map((n) => `${n}\n`).join('')),
        );
        return [...[...writers.values()].map((w) => w.path), join(outDir, 'images.txt')];
      }
      const npz = await NpzWriter.create(npzPath);
      try {
        for (const [layer, w] of writers)
          await npz.addStream(layer, (await stat(w.path)).size, createReadStream(w.path, { highWaterMark: 1 << 20 }));
        const strings = encodeNpyStrings(names);
        await npz.addStream(
          'images',
          strings.reduce((n, p) => n + p.length, 0),
          (async function* () {
            yield* strings;
          })(),
        );
        await npz.close();
      } catch (e) {
        await npz.abort();
        throw e;
      } finally {
        for (const w of writers.values()) await rm(w.path, { force: true });
      }
      return [npzPath];
    },
    async abort() {
      for (const w of writers.values()) await w.abort();
    },
  };
}

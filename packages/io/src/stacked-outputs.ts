import { createReadStream } from 'node:fs';
import { type FileHandle, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type LayerOutput, sizeOf } from '@vggscope/core';
import { tempPathFor, writeFileAtomic } from './atomic-write.js';
import type { OutputRow } from './feature-index.js';
import { parseNpyHeader } from './npy.js';
import { decodeNpyStrings, encodeNpyStrings, NpyStackWriter } from './npy-stack.js';
import { type NpzArchive, openNpz } from './npz-reader.js';
import { NpzWriter } from './npz-writer.js';
import { outputError } from './output-error.js';

/** The list of stacked images, one per line, beside the stacked `.npy` files. */
export const STACK_IMAGE_LIST = 'images.txt';

/**
 * The stacked `.npy` of `layer` among `layers`: `features.npy` when there is one layer,
 * `features_<layer>.npy` for several. Folder mode (`--stack`) and `queue merge` both write these.
 */
export function stackedFileName(layer: string, layers: readonly string[]): string {
  return layers.length === 1 ? 'features.npy' : `features_${layer}.npy`;
}

/** The name `queue merge` used before folder mode's became the one name: still recognised, never written. */
export function legacyStackedFileName(layer: string): string {
  return `features-${layer}.npy`;
}

type Format = 'npy' | 'npz';

/** A stacked array to read rows from: a `.npy` file, or an entry of a `.npz`. */
interface RowSource {
  rows: number;
  rowShape: number[];
  read(row: number): Promise<Uint8Array>;
}

/**
 * A stack written by an earlier run in `outDir` (its image list and one array per layer), opened
 * to copy rows from: how `--stack --skip-existing` resumes an interrupted run.
 */
export class PreviousStack {
  private constructor(
    /** Image name (as in images.txt) → row. */
    readonly rows: ReadonlyMap<string, number>,
    private readonly sources: ReadonlyMap<string, RowSource>,
    private readonly close_: () => Promise<void>,
  ) {}

  /**
   * Opens the stack of `layers` in `outDir` in `format`; undefined when any part is missing,
   * unreadable, or of another shape than `rowShapes` (then everything is computed again).
   */
  static async open(
    outDir: string,
    rowShapes: ReadonlyMap<string, readonly number[]>,
    format: Format,
  ): Promise<PreviousStack | undefined> {
    const layers = [...rowShapes.keys()];
    const handles: FileHandle[] = [];
    let npz: NpzArchive | undefined;
    const close = async () => {
      for (const fh of handles) await fh.close().catch(() => {});
      await npz?.close();
    };
    try {
      let names: string[] | undefined;
      const sources = new Map<string, RowSource>();
      if (format === 'npz') {
        npz = await openNpz(join(outDir, 'features.npz'));
        if (!npz?.entries.has('images')) return (await close(), undefined);
        const chunks: Uint8Array[] = [];
        for await (const c of npz.read('images')) chunks.push(new Uint8Array(c));
        names = decodeNpyStrings(new Uint8Array(Buffer.concat(chunks)));
        for (const layer of layers) {
          if (!npz.entries.has(layer)) return (await close(), undefined);
          const archive = npz;
          const source = await rowSource((offset, length) => archive.readRange(layer, offset, length));
          if (source) sources.set(layer, source);
        }
      } else {
        const text = await readFile(join(outDir, STACK_IMAGE_LIST), 'utf8').catch(() => undefined);
        names = text?.split('\n').slice(0, -1);
        for (const layer of layers) {
          const fh = await open(join(outDir, stackedFileName(layer, layers)), 'r').catch(() => undefined);
          if (!fh) return (await close(), undefined);
          handles.push(fh);
          const source = await rowSource(fileReader(fh));
          if (source) sources.set(layer, source);
        }
      }
      const fits = (layer: string) => {
        const s = sources.get(layer);
        const want = rowShapes.get(layer)!.slice(1);
        return s && s.rows === names!.length && s.rowShape.join() === want.join();
      };
      if (!names || !layers.every(fits)) return (await close(), undefined);
      return new PreviousStack(new Map(names.map((n, i) => [n, i])), sources, close);
    } catch {
      await close();
      return undefined;
    }
  }

  read(layer: string, row: number): Promise<Uint8Array> {
    return this.sources.get(layer)!.read(row);
  }

  close(): Promise<void> {
    return this.close_();
  }
}

/** Reads up to `length` bytes at `offset` (fewer at the end). */
type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

function fileReader(fh: FileHandle): ReadAt {
  return async (offset, length) => {
    const buf = new Uint8Array(length);
    const { bytesRead } = await fh.read(buf, 0, length, offset);
    return buf.subarray(0, bytesRead);
  };
}

/** A `<f4` C-order stack read through `readAt`; undefined when its header is not one or its rows are not all there. */
async function rowSource(readAt: ReadAt): Promise<RowSource | undefined> {
  const h = parseNpyHeader(await readAt(0, 4096));
  if (!h || h.descr !== '<f4' || h.fortranOrder || h.shape.length < 1) return undefined;
  const rows = h.shape[0]!;
  const rowShape = h.shape.slice(1);
  const rowBytes = sizeOf(rowShape) * 4;
  const read = async (r: number) => {
    const bytes = await readAt(h.dataOffset + r * rowBytes, rowBytes);
    if (bytes.length !== rowBytes) throw new Error(`stack: row ${r} is cut short`);
    return bytes;
  };
  // A truncated file (a run killed mid-rename never leaves one, a copy might) is not reused.
  if (
    rows > 0 &&
    !(await read(rows - 1).then(
      () => true,
      () => false,
    ))
  )
    return undefined;
  return { rows, rowShape, read };
}

type Slot = { from: 'previous'; row: number } | { from: 'new'; row: number };

export interface StackedOutputsOptions {
  outDir: string;
  /** Each layer's output shape for one image, `[1, …]`, in the run's layer order. */
  shapes: ReadonlyMap<string, readonly number[]>;
  format: Format;
  /** A stack of an earlier run to copy finished images from (`--skip-existing`). */
  previous?: PreviousStack;
}

/**
 * `--stack` and `queue merge`: one `[N, …]` float32 array per layer, rows in input order, and the
 * image list — `.npy`: `features.npy` (one layer) or `features_<layer>.npy`, and `images.txt`;
 * `.npz`: `features.npz` with each layer under its name and `images` (a unicode array). Rows are
 * streamed to temp files (memory holds one row); everything appears under its name on `finish`.
 * Images may come from a previous stack (`reuse`) and be computed (`append`) in any mix: rows are
 * put in input order on `finish`, copying one row at a time only when the order needs it.
 * @example s.append(0, 'a/x.png', outputs) ×N; await s.finish() // ['/out/features.npy', '/out/images.txt']
 */
export class StackedOutputs {
  private readonly slots = new Map<number, Slot>();
  private readonly names = new Map<number, string>();
  /** The index rows handed out per image: their `row` is filled in on `finish`. */
  private readonly index = new Map<number, OutputRow[]>();
  private newRows = 0;
  private lastAppended = -1;
  private inOrder = true;

  private constructor(
    private readonly o: StackedOutputsOptions,
    private readonly scratch: ReadonlyMap<string, NpyStackWriter>,
  ) {}

  static async create(o: StackedOutputsOptions): Promise<StackedOutputs> {
    const scratch = new Map<string, NpyStackWriter>();
    try {
      for (const [layer, shape] of o.shapes)
        scratch.set(layer, await NpyStackWriter.create(tempPathFor(join(o.outDir, `${layer}.npy`)), shape.slice(1)));
    } catch (e) {
      for (const w of scratch.values()) await w.abort();
      throw e;
    }
    return new StackedOutputs(o, scratch);
  }

  /** The file holding `layer`'s stack once finished. */
  fileFor(layer: string): string {
    const layers = [...this.o.shapes.keys()];
    return join(this.o.outDir, this.o.format === 'npz' ? 'features.npz' : stackedFileName(layer, layers));
  }

  /** Index rows of image `i`; their `row` is set on `finish`, when the order is known. */
  private indexRows(i: number): OutputRow[] {
    const rows = [...this.o.shapes].map(([layer, shape]) => ({
      layer,
      shape,
      file: this.fileFor(layer),
      ...(this.o.format === 'npz' ? { key: layer } : {}),
    }));
    this.index.set(i, rows);
    return rows;
  }

  /** Takes image `i` (input position) named `name` from the previous stack; undefined when it does not hold it. */
  reuse(i: number, name: string): OutputRow[] | undefined {
    const row = this.o.previous?.rows.get(name);
    if (row === undefined) return undefined;
    this.slots.set(i, { from: 'previous', row });
    this.names.set(i, name);
    return this.indexRows(i);
  }

  /** Appends image `i`'s outputs (one `[1, …]` array per layer). */
  async append(i: number, name: string, outputs: readonly LayerOutput[]): Promise<OutputRow[]> {
    for (const o of outputs) await this.scratch.get(o.layer)!.append(o);
    this.slots.set(i, { from: 'new', row: this.newRows++ });
    this.names.set(i, name);
    if (i < this.lastAppended) this.inOrder = false;
    this.lastAppended = i;
    return this.indexRows(i);
  }

  /** Writes the final files (also after Ctrl-C, with what was done); returns their paths. */
  async finish(): Promise<string[]> {
    const order = [...this.slots.keys()].sort((a, b) => a - b);
    order.forEach((i, row) => this.index.get(i)!.forEach((r) => (r.row = row)));
    const names = order.map((i) => this.names.get(i)!);
    for (const w of this.scratch.values()) await w.close();
    const copy = !this.inOrder || order.some((i) => this.slots.get(i)!.from === 'previous');
    const stacks = new Map<string, string>(); // layer → finished stack file (final for npy, a temp for npz)
    try {
      for (const [layer, w] of this.scratch) {
        const target =
          this.o.format === 'npy'
            ? this.fileFor(layer)
            : copy
              ? tempPathFor(join(this.o.outDir, `${layer}.npy`))
              : w.path;
        if (copy) await this.assemble(layer, order, target);
        else if (target !== w.path)
          await rename(w.path, target).catch((e: unknown) => Promise.reject(outputError(target, e)));
        stacks.set(layer, target);
      }
      if (this.o.format === 'npy') {
        const list = join(this.o.outDir, STACK_IMAGE_LIST);
        await writeFileAtomic(list, new TextEncoder().encode(names.map((n) => `${n}\n`).join('')));
        return [...stacks.values(), list];
      }
      return [await this.writeNpz(stacks, names)];
    } finally {
      await this.o.previous?.close();
      for (const w of this.scratch.values()) await rm(w.path, { force: true });
    }
  }

  /** Writes `layer`'s rows in input order into `target`, from the previous stack and the new rows. */
  private async assemble(layer: string, order: readonly number[], target: string): Promise<void> {
    const fresh = await open(this.scratch.get(layer)!.path, 'r');
    const writer = await NpyStackWriter.create(target, this.o.shapes.get(layer)!.slice(1));
    try {
      const source = (await rowSource(fileReader(fresh)))!;
      for (const i of order) {
        const slot = this.slots.get(i)!;
        await writer.appendBytes(
          slot.from === 'new' ? await source.read(slot.row) : await this.o.previous!.read(layer, slot.row),
        );
      }
      await writer.close();
    } catch (e) {
      await writer.abort();
      throw e;
    } finally {
      await fresh.close();
    }
  }

  private async writeNpz(stacks: ReadonlyMap<string, string>, names: readonly string[]): Promise<string> {
    const path = join(this.o.outDir, 'features.npz');
    const npz = await NpzWriter.create(path);
    try {
      for (const [layer, file] of stacks)
        await npz.addStream(layer, (await stat(file)).size, createReadStream(file, { highWaterMark: 1 << 20 }));
      const strings = encodeNpyStrings(names);
      await npz.addStream(
        'images',
        strings.reduce((n, p) => n + p.length, 0),
        (async function* () {
          yield* strings;
        })(),
      );
      await npz.close();
      return path;
    } catch (e) {
      await npz.abort();
      throw e;
    } finally {
      for (const file of stacks.values()) await rm(file, { force: true });
    }
  }

  /** Removes everything unfinished. */
  async abort(): Promise<void> {
    for (const w of this.scratch.values()) await w.abort();
    await this.o.previous?.close();
  }
}

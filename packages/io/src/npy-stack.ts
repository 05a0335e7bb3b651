import { type FileHandle, rename, rm } from 'node:fs/promises';
import { sizeOf, VggError } from '@vggscope/core';
import type { FloatTensor } from '@vggscope/core';
import { openTempFor, writeAllAt } from './atomic-write.js';
import { npyPreamble, parseNpyHeader } from './npy.js';
import { outputError } from './output-error.js';

/**
 * A 1-D NumPy unicode array (`<U{n}`, UTF-32LE) of `strings` — `np.load` reads it without pickle.
 * @example encodeNpyStrings(['a.png', 'b/c.png']) // np.load(...) → array(['a.png', 'b/c.png'], dtype='<U7')
 */
export function encodeNpyStrings(strings: readonly string[]): Uint8Array[] {
  const points = strings.map((s) => [...s].map((c) => c.codePointAt(0)!));
  const width = Math.max(1, ...points.map((p) => p.length));
  const data = new Uint32Array(strings.length * width);
  points.forEach((p, i) => data.set(p, i * width));
  return [npyPreamble(`<U${width}`, [strings.length]), new Uint8Array(data.buffer)];
}

/** The strings of a 1-D `<U{n}` `.npy` (what `encodeNpyStrings` writes); undefined when it is not one. */
export function decodeNpyStrings(bytes: Uint8Array): string[] | undefined {
  const h = parseNpyHeader(bytes);
  const width = Number(/^<U(\d+)$/.exec(h?.descr ?? '')?.[1]);
  if (!h || !width || h.fortranOrder || h.shape.length !== 1) return undefined;
  const n = h.shape[0]!;
  if (bytes.length !== h.dataOffset + n * width * 4) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + h.dataOffset, n * width * 4);
  return Array.from({ length: n }, (_, i) => {
    const points: number[] = [];
    for (let c = 0; c < width; c++) {
      const p = view.getUint32((i * width + c) * 4, true);
      if (p === 0) break;
      points.push(p);
    }
    return String.fromCodePoint(...points);
  });
}

/**
 * Writes outputs of one layer, image after image, as one `[N, …]` float32 `.npy` (the header is
 * rewritten with the final N on close): `--stack`. Memory holds 1 MiB of rows; the file appears under its
 * name only on close (temp + rename). Little-endian hosts only (as every Node platform is).
 * @example w.append(out /* [1, 7, 7, 512] *\/) ×N; await w.close() // np.load(path).shape == (N, 7, 7, 512)
 */
export class NpyStackWriter {
  private rows = 0;
  /** Where the next byte goes in the file (bytes written plus those pending). */
  private offset: number;
  private readonly headerLength: number;
  /** Rows gathered for one write: pooled features are 2 KB a row, and a syscall each would dominate. */
  private readonly pending = new Uint8Array(1 << 20);
  private pendingBytes = 0;

  private constructor(
    private readonly fh: FileHandle,
    readonly tmp: string,
    readonly path: string,
    readonly rowShape: readonly number[],
  ) {
    // Room for any N up to 15 digits, so the header never has to move.
    this.headerLength = npyPreamble('<f4', [999_999_999_999_999, ...rowShape]).length;
    this.offset = this.headerLength;
  }

  static async create(path: string, rowShape: readonly number[]): Promise<NpyStackWriter> {
    const { fh, tmp } = await openTempFor(path);
    return new NpyStackWriter(fh, tmp, path, rowShape);
  }

  get length(): number {
    return this.rows;
  }

  /** Appends one image's output (`[1, …rowShape]`). */
  async append(t: FloatTensor): Promise<void> {
    if (
      t.shape[0] !== 1 ||
      t.shape.length !== this.rowShape.length + 1 ||
      this.rowShape.some((d, i) => t.shape[i + 1] !== d)
    ) {
      throw new VggError(
        'E_INTERNAL',
        `stack: row of shape [${t.shape.join(', ')}] does not match [1, ${this.rowShape.join(', ')}]`,
      );
    }
    await this.write(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }

  /** Appends one row given as its raw little-endian float32 bytes (a row copied from another stack). */
  async appendBytes(bytes: Uint8Array): Promise<void> {
    const expected = sizeOf(this.rowShape) * 4;
    if (bytes.length !== expected)
      throw new VggError('E_INTERNAL', `stack: a row of ${bytes.length} bytes, expected ${expected}`);
    await this.write(bytes);
  }

  /** Writes the final header and renames into place; returns the stacked shape. */
  async close(): Promise<number[]> {
    const shape = [this.rows, ...this.rowShape];
    await this.flush();
    await writeAllAt(this.fh, npyPreamble('<f4', shape, this.headerLength), 0, this.path);
    await this.io(() => this.fh.close());
    await this.io(() => rename(this.tmp, this.path));
    return shape;
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
    await rm(this.tmp, { force: true });
  }

  private async write(bytes: Uint8Array): Promise<void> {
    if (this.pendingBytes + bytes.length > this.pending.length) await this.flush();
    if (bytes.length >= this.pending.length) await writeAllAt(this.fh, bytes, this.offset, this.path);
    else {
      this.pending.set(bytes, this.pendingBytes);
      this.pendingBytes += bytes.length;
    }
    this.offset += bytes.length;
    this.rows++;
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    await writeAllAt(this.fh, this.pending.subarray(0, this.pendingBytes), this.offset - this.pendingBytes, this.path);
    this.pendingBytes = 0;
  }

  private async io<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw outputError(this.path, e);
    }
  }
}

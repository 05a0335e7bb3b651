import { type FileHandle, rename, rm } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import { VggError } from '@vggscope/core';
import type { FloatTensor } from '@vggscope/core';
import { openTempFor, writeAllAt } from './atomic-write.js';
import { encodeNpyParts } from './npy.js';
import { outputError } from './output-error.js';

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

// zlib.crc32 (Node ≥ 20.15) is native and ~50× faster; the table is the fallback for older Node 20.
const nativeCrc = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 (zip's) of the parts in order; `seed` continues a previous value. */
export function crc32(parts: readonly Uint8Array[], seed = 0): number {
  if (nativeCrc) return parts.reduce((c, p) => nativeCrc(p, c), seed) >>> 0;
  let c = (seed ^ 0xffffffff) >>> 0;
  for (const p of parts) for (let i = 0; i < p.length; i++) c = CRC_TABLE[(c ^ p[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const U32 = 0xffffffff;
const U16 = 0xffff;

interface Entry {
  name: Uint8Array;
  crc: number;
  size: number;
  offset: number;
}

export interface NpzWriterOptions {
  /** Write ZIP64 records even when the archive is small (tests; ZIP64 is used automatically when needed). */
  forceZip64?: boolean;
}

/**
 * Streams arrays into one NumPy `.npz` (a zip of `.npy` entries, stored uncompressed, as
 * `np.savez` writes it): each array is written as it arrives, so memory stays bounded; the file
 * appears under its name only when `close()` has written the central directory (temp + rename).
 * Archives of 65,535+ entries or past 4 GiB are written as ZIP64, which NumPy (Python's zipfile)
 * reads. Keys must be unique. File-system faults become `E_OUTPUT`.
 * @example np.load('features.npz')['cat/block5_pool'].shape // (1, 7, 7, 512)
 */
export class NpzWriter {
  /** Logical end of the archive (bytes written plus those still buffered). */
  private offset = 0;
  /** Small writes (headers, small arrays) are gathered and written in one call: 70,000 entries in seconds. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly entries: Entry[] = [];
  private readonly keys = new Set<string>();

  private constructor(
    private readonly fh: FileHandle,
    private readonly tmp: string,
    readonly path: string,
    private readonly options: NpzWriterOptions,
  ) {}

  static async create(path: string, options: NpzWriterOptions = {}): Promise<NpzWriter> {
    const { fh, tmp } = await openTempFor(path);
    return new NpzWriter(fh, tmp, path, options);
  }

  /** Entries written so far. */
  get size(): number {
    return this.entries.length;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Adds `key.npy`; `np.load` exposes it as `key`. */
  async add(key: string, tensor: FloatTensor): Promise<void> {
    const parts = encodeNpyParts(tensor);
    const size = parts.reduce((n, p) => n + p.length, 0);
    await this.addEntry(
      key,
      size,
      crc32(parts),
      (async function* () {
        yield* parts;
      })(),
    );
  }

  /**
   * Adds `key.npy` from bytes read elsewhere (an entry of an older archive, a stacked temp file):
   * `size` bytes streamed from `chunks`, their CRC computed on the way and checked against `crc`
   * when given.
   */
  async addStream(key: string, size: number, chunks: AsyncIterable<Uint8Array>, crc?: number): Promise<void> {
    let computed = 0;
    let seen = 0;
    const counted = (async function* () {
      for await (const c of chunks) {
        computed = crc32([c], computed);
        seen += c.length;
        yield c;
      }
    })();
    const entry = await this.addEntry(key, size, 0, counted);
    if (seen !== size || (crc !== undefined && computed !== crc)) {
      throw new VggError(
        'E_INTERNAL',
        `npz: '${key}' had ${seen} bytes (CRC ${computed.toString(16)}), expected ${size}${crc === undefined ? '' : ` (CRC ${crc.toString(16)})`}`,
      );
    }
    entry.crc = computed;
    const patch = Buffer.alloc(4);
    patch.writeUInt32LE(computed, 0);
    await this.flush();
    await writeAllAt(this.fh, patch, entry.offset + 14, this.path);
  }

  private async addEntry(key: string, size: number, crc: number, chunks: AsyncIterable<Uint8Array>): Promise<Entry> {
    if (this.keys.has(key))
      throw new VggError('E_INTERNAL', `npz: duplicate key '${key}' (every array needs its own name)`);
    this.keys.add(key);
    const name = new TextEncoder().encode(`${key}.npy`);
    const zip64 = this.options.forceZip64 || size >= U32;
    // Local header: 30 fixed bytes, the name, then the extra field (ZIP64 sizes).
    const header = Buffer.alloc(30 + name.length + (zip64 ? 20 : 0));
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(zip64 ? 45 : 20, 4); // version needed: 4.5 for ZIP64
    header.writeUInt32LE(0, 6); // flags 0, method 0 (stored)
    header.writeUInt32LE(0x00210000, 10); // DOS time 0, date 1980-01-01
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(zip64 ? U32 : size, 18);
    header.writeUInt32LE(zip64 ? U32 : size, 22);
    header.writeUInt16LE(name.length, 26);
    header.writeUInt16LE(zip64 ? 20 : 0, 28);
    header.set(name, 30);
    if (zip64) {
      const x = 30 + name.length;
      header.writeUInt16LE(0x0001, x); // ZIP64 extra: uncompressed then compressed size
      header.writeUInt16LE(16, x + 2);
      header.writeBigUInt64LE(BigInt(size), x + 4);
      header.writeBigUInt64LE(BigInt(size), x + 12);
    }
    const entry: Entry = { name, crc, size, offset: this.offset };
    await this.write(header);
    for await (const chunk of chunks) await this.write(chunk);
    this.entries.push(entry);
    return entry;
  }

  /** Writes the central directory (ZIP64 when needed) and renames the temp file into place. */
  async close(): Promise<void> {
    const start = this.offset;
    for (const e of this.entries) {
      const bigSize = this.options.forceZip64 || e.size >= U32;
      const bigOffset = this.options.forceZip64 || e.offset >= U32;
      const extra = (bigSize ? 16 : 0) + (bigOffset ? 8 : 0);
      // Central header: 46 fixed bytes, the name, then the extra field (ZIP64 sizes, offset).
      const c = Buffer.alloc(46 + e.name.length + (extra ? 4 + extra : 0));
      c.writeUInt32LE(0x02014b50, 0);
      c.writeUInt16LE(extra ? 45 : 20, 4); // made by
      c.writeUInt16LE(extra ? 45 : 20, 6); // needed
      c.writeUInt32LE(0, 8);
      c.writeUInt32LE(0x00210000, 12);
      c.writeUInt32LE(e.crc, 16);
      c.writeUInt32LE(bigSize ? U32 : e.size, 20);
      c.writeUInt32LE(bigSize ? U32 : e.size, 24);
      c.writeUInt16LE(e.name.length, 28);
      c.writeUInt16LE(extra ? 4 + extra : 0, 30);
      c.writeUInt32LE(bigOffset ? U32 : e.offset, 42);
      c.set(e.name, 46);
      if (extra) {
        let p = 46 + e.name.length;
        c.writeUInt16LE(0x0001, p);
        c.writeUInt16LE(extra, p + 2);
        p += 4;
        if (bigSize) {
          c.writeBigUInt64LE(BigInt(e.size), p);
          c.writeBigUInt64LE(BigInt(e.size), p + 8);
          p += 16;
        }
        if (bigOffset) c.writeBigUInt64LE(BigInt(e.offset), p);
      }
      await this.write(c);
    }
    const cdSize = this.offset - start;
    const n = this.entries.length;
    if (this.options.forceZip64 || n >= U16 || start >= U32 || cdSize >= U32) {
      const z = Buffer.alloc(56 + 20);
      const eocd64 = this.offset;
      z.writeUInt32LE(0x06064b50, 0); // ZIP64 end of central directory record
      z.writeBigUInt64LE(44n, 4);
      z.writeUInt16LE(45, 12);
      z.writeUInt16LE(45, 14);
      z.writeUInt32LE(0, 16);
      z.writeUInt32LE(0, 20);
      z.writeBigUInt64LE(BigInt(n), 24);
      z.writeBigUInt64LE(BigInt(n), 32);
      z.writeBigUInt64LE(BigInt(cdSize), 40);
      z.writeBigUInt64LE(BigInt(start), 48);
      z.writeUInt32LE(0x07064b50, 56); // ZIP64 end of central directory locator
      z.writeUInt32LE(0, 60);
      z.writeBigUInt64LE(BigInt(eocd64), 64);
      z.writeUInt32LE(1, 72);
      await this.write(z);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(Math.min(n, U16), 8);
    end.writeUInt16LE(Math.min(n, U16), 10);
    end.writeUInt32LE(Math.min(cdSize, U32), 12);
    end.writeUInt32LE(Math.min(start, U32), 16);
    await this.write(end);
    await this.flush();
    await this.io(() => this.fh.close());
    await this.io(() => rename(this.tmp, this.path));
  }

  /** Drops the temp file (Ctrl-C, failure): nothing half-written is left behind. */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
    await rm(this.tmp, { force: true });
  }

  private async write(chunk: Uint8Array): Promise<void> {
    if (chunk.length < 1 << 16) {
      this.pending.push(new Uint8Array(chunk)); // a copy: the caller may reuse its buffer
      this.pendingBytes += chunk.length;
      this.offset += chunk.length;
      if (this.pendingBytes >= 1 << 20) await this.flush();
      return;
    }
    await this.flush();
    await writeAllAt(this.fh, chunk, this.offset, this.path);
    this.offset += chunk.length;
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const data = Buffer.concat(this.pending);
    const at = this.offset - this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    await writeAllAt(this.fh, data, at, this.path);
  }

  private async io<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw outputError(this.path, e);
    }
  }
}

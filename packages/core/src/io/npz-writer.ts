import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { VggError } from '../errors.js';
import type { FloatTensor } from '../tensor.js';
import { encodeNpy } from './npy.js';

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(parts: readonly Uint8Array[]): number {
  let c = 0xffffffff;
  for (const p of parts) for (let i = 0; i < p.length; i++) c = CRC_TABLE[(c ^ p[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Streams arrays into one NumPy `.npz` (a zip of `.npy` entries, stored uncompressed, as
 * `np.savez` writes it): each array is written as it arrives, so memory stays bounded; the file
 * appears under its name only when `close()` has written the central directory (temp + rename).
 * @example np.load('features.npz')['cat/block5_pool'].shape // (1, 7, 7, 512)
 */
export class NpzWriter {
  private offset = 0;
  private readonly entries: { name: Uint8Array; crc: number; size: number; offset: number }[] = [];

  private constructor(
    private readonly fh: FileHandle,
    private readonly tmp: string,
    readonly path: string,
  ) {}

  static async create(path: string): Promise<NpzWriter> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    return new NpzWriter(await open(tmp, 'w'), tmp, path);
  }

  /** Adds `key.npy`; `np.load` exposes it as `key`. */
  async add(key: string, tensor: FloatTensor): Promise<void> {
    const parts = encodeNpy(tensor);
    const size = parts.reduce((n, p) => n + p.length, 0);
    if (this.offset + size > 0xffffffff - 65536) {
      throw new VggError('E_USAGE', `npz: ${this.path} would exceed 4 GiB (zip64 is not written); use --format npy for this many features`);
    }
    const name = new TextEncoder().encode(`${key}.npy`);
    const crc = crc32(parts);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4); // version needed
    header.writeUInt32LE(0, 6); // flags 0, method 0 (stored)
    header.writeUInt32LE(0x00210000, 10); // DOS time 0, date 1980-01-01
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(size, 18);
    header.writeUInt32LE(size, 22);
    header.writeUInt16LE(name.length, 26);
    header.writeUInt16LE(0, 28);
    this.entries.push({ name, crc, size, offset: this.offset });
    for (const chunk of [header, name, ...parts]) {
      await this.fh.write(chunk);
      this.offset += chunk.length;
    }
  }

  async close(): Promise<void> {
    const start = this.offset;
    for (const e of this.entries) {
      const c = Buffer.alloc(46);
      c.writeUInt32LE(0x02014b50, 0);
      c.writeUInt16LE(20, 4);
      c.writeUInt16LE(20, 6);
      c.writeUInt32LE(0, 8);
      c.writeUInt32LE(0x00210000, 12);
      c.writeUInt32LE(e.crc, 16);
      c.writeUInt32LE(e.size, 20);
      c.writeUInt32LE(e.size, 24);
      c.writeUInt16LE(e.name.length, 28);
      c.writeUInt32LE(e.offset, 42);
      await this.fh.write(c);
      await this.fh.write(e.name);
      this.offset += 46 + e.name.length;
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(this.offset - start, 12);
    end.writeUInt32LE(start, 16);
    await this.fh.write(end);
    await this.fh.close();
    await rename(this.tmp, this.path);
  }

  /** Drops the temp file (Ctrl-C, failure): nothing half-written is left behind. */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
    await rm(this.tmp, { force: true });
  }
}

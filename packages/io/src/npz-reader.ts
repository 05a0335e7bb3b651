import { type FileHandle, open } from 'node:fs/promises';
import { npyMatches } from './npy.js';

/** One `.npy` entry of a stored (uncompressed) `.npz`: its key and where its bytes are. */
export interface NpzEntry {
  key: string;
  crc: number;
  size: number;
  /** Where the entry's local header starts; its data follows the header, name and extra field. */
  localOffset: number;
}

/**
 * Opens an `.npz` written by `NpzWriter` (or `np.savez`: stored entries, ZIP64 or not) and lists its
 * `.npy` entries. Resolves undefined when the file is missing or not a readable zip; compressed
 * entries are left out (they cannot be copied as they are).
 */
export async function openNpz(path: string): Promise<NpzArchive | undefined> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return undefined;
  try {
    const entries = await readCentralDirectory(fh);
    if (entries) return new NpzArchive(fh, entries, (await fh.stat()).size);
  } catch {
    // not a zip we can read: treated as absent, so it is rebuilt
  }
  await fh.close();
  return undefined;
}

export class NpzArchive {
  private readonly dataOffsets = new Map<string, number>();

  constructor(
    private readonly fh: FileHandle,
    readonly entries: ReadonlyMap<string, NpzEntry>,
    private readonly fileSize: number,
  ) {}

  /** True when entry `key` is a complete float32 `.npy` of exactly `shape`. */
  async matches(key: string, shape: readonly number[]): Promise<boolean> {
    const e = this.entries.get(key);
    if (!e) return false;
    // One read for the local header and the .npy header after it.
    const buf = await readAt(this.fh, e.localOffset, 8192);
    const at = localDataStart(buf);
    if (at === undefined) return false;
    this.dataOffsets.set(key, e.localOffset + at);
    const head =
      at < buf.length
        ? buf.subarray(at, at + Math.min(e.size, 4096))
        : await readAt(this.fh, e.localOffset + at, Math.min(e.size, 4096));
    return e.localOffset + at + e.size <= this.fileSize && npyMatches(head, shape, e.size);
  }

  /** Where entry `key`'s bytes (its `.npy`) start in the archive file. */
  async dataStart(key: string): Promise<number> {
    const e = this.entries.get(key)!;
    let start = this.dataOffsets.get(key);
    if (start === undefined) {
      const at = localDataStart(await readAt(this.fh, e.localOffset, 30));
      if (at === undefined) throw new Error(`npz: entry '${key}' has no local header`);
      start = e.localOffset + at;
      this.dataOffsets.set(key, start);
    }
    return start;
  }

  /** Up to `length` bytes of entry `key` from `offset` within it (fewer at its end): a row of a stacked array. */
  async readRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    const e = this.entries.get(key)!;
    const n = Math.max(0, Math.min(length, e.size - offset));
    return readAt(this.fh, (await this.dataStart(key)) + offset, n);
  }

  /** The entry's bytes, in chunks of at most 1 MiB (bounded memory for large maps). */
  async *read(key: string): AsyncGenerator<Uint8Array> {
    const e = this.entries.get(key)!;
    const start = await this.dataStart(key);
    for (let pos = 0; pos < e.size;) {
      const chunk = new Uint8Array(Math.min(1 << 20, e.size - pos));
      const { bytesRead } = await this.fh.read(chunk, 0, chunk.length, start + pos);
      if (bytesRead === 0) return;
      pos += bytesRead;
      yield chunk.subarray(0, bytesRead);
    }
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => {});
  }
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/** Offset of an entry's data from its local header's start, or undefined if `buf` does not start with one. */
function localDataStart(buf: Buffer): number | undefined {
  if (buf.length < 30 || buf.readUInt32LE(0) !== 0x04034b50) return undefined;
  return 30 + buf.readUInt16LE(26) + buf.readUInt16LE(28);
}

async function readCentralDirectory(fh: FileHandle): Promise<Map<string, NpzEntry> | undefined> {
  const { size } = await fh.stat();
  if (size < 22) return undefined;
  const tailLen = Math.min(size, 22 + 65_535 + 20);
  const tail = await readAt(fh, size - tailLen, tailLen);
  const at = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (at < 0) return undefined;
  let count = tail.readUInt16LE(at + 10);
  let cdSize = tail.readUInt32LE(at + 12);
  let cdOffset = tail.readUInt32LE(at + 16);
  if (at >= 20 && tail.readUInt32LE(at - 20) === 0x07064b50) {
    const z = await readAt(fh, Number(tail.readBigUInt64LE(at - 12)), 56);
    if (z.length < 56 || z.readUInt32LE(0) !== 0x06064b50) return undefined;
    count = Number(z.readBigUInt64LE(32));
    cdSize = Number(z.readBigUInt64LE(40));
    cdOffset = Number(z.readBigUInt64LE(48));
  }
  if (cdOffset + cdSize > size) return undefined;
  const cd = await readAt(fh, cdOffset, cdSize);
  const entries = new Map<string, NpzEntry>();
  for (let p = 0, i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) return undefined;
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    let csize = cd.readUInt32LE(p + 20);
    let usize = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let offset = cd.readUInt32LE(p + 42);
    const name = cd.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen;) {
      const id = cd.readUInt16LE(x);
      const len = cd.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let q = x + 4;
        if (usize === 0xffffffff) ((usize = Number(cd.readBigUInt64LE(q))), (q += 8));
        if (csize === 0xffffffff) ((csize = Number(cd.readBigUInt64LE(q))), (q += 8));
        if (offset === 0xffffffff) offset = Number(cd.readBigUInt64LE(q));
      }
      x += 4 + len;
    }
    p += 46 + nameLen + extraLen + commentLen;
    if (method !== 0 || csize !== usize || !name.endsWith('.npy') || offset + 30 + usize > size) continue;
    entries.set(name.slice(0, -4), { key: name.slice(0, -4), crc, size: usize, localOffset: offset });
  }
  return entries;
}

/** The first image directory of a TIFF or BigTIFF, every count and offset checked against the file. */
export interface TiffDirectory {
  readonly littleEndian: boolean;
  readonly tags: Map<number, number[]>;
}

// Numeric types and UNDEFINED (7: bytes, e.g. JPEGTables); ASCII and rationals are skipped (nothing decoding needs).
// 16/17/18 are BigTIFF's 64-bit types.
const TYPE_SIZES: Record<number, number> = {
  1: 1,
  3: 2,
  4: 4,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  11: 4,
  13: 4,
  16: 8,
  17: 8,
  18: 8,
};
const MAX_VALUES = 1 << 24;

export function readFirstIfd(b: Uint8Array): TiffDirectory {
  if (b.length < 8) throw new Error(`truncated TIFF (${b.length} bytes)`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = b[0] === 0x49;
  const big = v.getUint16(2, le) === 43;
  const u64 = (p: number) => Number(v.getBigUint64(p, le));
  if (big && (b.length < 16 || v.getUint16(4, le) !== 8)) throw new Error('bad BigTIFF header');
  const at = big ? u64(8) : v.getUint32(4, le);
  const entrySize = big ? 20 : 12;
  const countSize = big ? 8 : 2;
  if (at + countSize > b.length) throw new Error('TIFF directory offset is past the end of the file');
  const count = big ? u64(at) : v.getUint16(at, le);
  if (at + countSize + count * entrySize > b.length) throw new Error('truncated TIFF directory');
  const tags = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const e = at + countSize + i * entrySize;
    const [id, type] = [v.getUint16(e, le), v.getUint16(e + 2, le)];
    const n = big ? u64(e + 4) : v.getUint32(e + 4, le);
    const size = TYPE_SIZES[type];
    if (!size || n === 0) continue;
    const inline = big ? 8 : 4;
    const valueAt = e + (big ? 12 : 8);
    const off = size * n <= inline ? valueAt : big ? u64(valueAt) : v.getUint32(valueAt, le);
    if (n > MAX_VALUES || off + size * n > b.length)
      throw new Error(`TIFF tag ${id} claims ${n} values past the end of the file`);
    const read = reader(v, type, le);
    tags.set(
      id,
      Array.from({ length: n }, (_, j) => read(off + j * size)),
    );
  }
  return { littleEndian: le, tags };
}

function reader(v: DataView, type: number, le: boolean): (p: number) => number {
  switch (type) {
    case 1:
    case 7:
      return (p) => v.getUint8(p);
    case 6:
      return (p) => v.getInt8(p);
    case 3:
      return (p) => v.getUint16(p, le);
    case 8:
      return (p) => v.getInt16(p, le);
    case 4:
    case 13:
      return (p) => v.getUint32(p, le);
    case 9:
      return (p) => v.getInt32(p, le);
    case 11:
      return (p) => v.getFloat32(p, le);
    case 17:
      return (p) => Number(v.getBigInt64(p, le));
    default:
      return (p) => Number(v.getBigUint64(p, le));
  }
}

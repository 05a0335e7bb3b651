import { inflateSync } from 'node:zlib';
import { DATA_CHUNKS, readChunkHeader, type PngState } from './png-chunks.js';
import { Z_OK, Z_STREAM_END, type InflateSource } from './zlib-stream.js';

/** Filtered image bytes at most this big may be inflated in one call (bounds the memory it takes). */
const WHOLE_MAX_BYTES = 32 << 20;

/**
 * The image's filtered rows in one `inflateSync` call (node:zlib; pako's one-shot inflate in a
 * browser) instead of pako driven row by row as Pillow drives zlib (the sample photo's decode on a
 * cold start: 84 → 40 ms). Used only where the row-by-row path is certain to end the same way — a non-interlaced,
 * non-animated image whose data is a chain of complete IDAT chunks holding one zlib stream that
 * inflates without error to exactly the rows' size; the chunks after the chain are then read by
 * `load_end` as before. Anything else (damaged, truncated, longer, DDAT/fdAT, Adam7, large) gets
 * undefined and takes the row-by-row path, which makes Pillow's decisions.
 * Returns the rows and where the chain's last chunk's data ends.
 */
export function inflateWhole(
  b: Uint8Array,
  st: PngState,
  first: { readonly data: number; readonly length: number },
  rowBytes: number,
): { readonly rows: Uint8Array; readonly end: number } | undefined {
  if (st.interlaced || st.animated || rowBytes > WHOLE_MAX_BYTES) return undefined;
  const parts: Uint8Array[] = [];
  let [pos, length, total] = [first.data, first.length, 0];
  try {
    for (;;) {
      if (pos + length + 4 > b.length) return undefined; // a chunk the file cuts short
      parts.push(b.subarray(pos, pos + length));
      total += length;
      const next = readChunkHeader(b, pos + length + 4);
      if (next.type !== 'IDAT') {
        if (DATA_CHUNKS.has(next.type)) return undefined; // DDAT, fdAT: the row-by-row reader's business
        break;
      }
      [pos, length] = [next.pos, next.length];
    }
    const data = new Uint8Array(total);
    parts.reduce((at, p) => (data.set(p, at), at + p.length), 0);
    const rows = inflateSync(data, { maxOutputLength: rowBytes + 1 });
    return rows.length === rowBytes
      ? { rows: new Uint8Array(rows.buffer, rows.byteOffset, rows.length), end: pos + length }
      : undefined;
  } catch {
    return undefined; // a chunk header cut off, a zlib error, more data than the rows: row by row
  }
}

/** Already inflated rows served through the interface `PngRows.feed` reads a zlib stream by. */
export class InflatedRows implements InflateSource {
  private at = 0;

  constructor(private readonly rows: Uint8Array) {}

  get availIn(): number {
    return this.rows.length - this.at;
  }

  inflate(out: Uint8Array, from: number, to: number): { code: number; written: number } {
    const n = Math.min(to - from, this.rows.length - this.at);
    out.set(this.rows.subarray(this.at, this.at + n), from);
    this.at += n;
    return { code: this.at === this.rows.length ? Z_STREAM_END : Z_OK, written: n };
  }

  get message(): string {
    return 'corrupt data';
  }
}

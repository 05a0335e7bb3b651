// pako's low-level inflate is zlib 1.2's inflate.c ported line for line: the same state machine,
// the same return codes, the same point at which the Adler-32 check is reached. Pillow drives
// zlib's `inflate()` one row at a time (libImaging/ZipDecode.c), and where a damaged stream is
// refused depends on exactly that; node:zlib has no synchronous streaming API to drive it so.
import inflateLib from 'pako/lib/zlib/inflate.js';
import ZStream from 'pako/lib/zlib/zstream.js';

export const Z_OK = 0;
export const Z_STREAM_END = 1;
export const Z_NO_FLUSH = 0;
export const Z_SYNC_FLUSH = 2;

/** What `PngRows.feed` reads filtered rows from: a zlib stream, or rows already inflated. */
export interface InflateSource {
  readonly availIn: number;
  inflate(out: Uint8Array, from: number, to: number): { code: number; written: number };
  readonly message: string;
}

/** A zlib inflate stream whose input and output windows the caller moves, as with C zlib. */
export class ZlibInflate implements InflateSource {
  private readonly strm = new ZStream();

  constructor() {
    inflateLib.inflateInit(this.strm);
  }

  /** Sets the input window (the bytes stay the caller's). */
  setInput(input: Uint8Array): void {
    this.strm.input = input;
    this.strm.next_in = 0;
    this.strm.avail_in = input.length;
  }

  get availIn(): number {
    return this.strm.avail_in;
  }

  /** Inflates into `out[from, to)`; returns zlib's code and how many bytes were written. */
  inflate(out: Uint8Array, from: number, to: number, flush = Z_NO_FLUSH): { code: number; written: number } {
    this.strm.output = out;
    this.strm.next_out = from;
    this.strm.avail_out = to - from;
    const code = inflateLib.inflate(this.strm, flush);
    return { code, written: to - from - this.strm.avail_out };
  }

  get message(): string {
    return this.strm.msg || 'corrupt data';
  }

  end(): void {
    inflateLib.inflateEnd(this.strm);
  }
}

/**
 * Python's `zlib.decompressobj().decompress(data, limit)` as Pillow's `_safe_zlib_decompress` uses
 * it for text and ICC chunks: `'too-large'` when the output limit is reached with input left over
 * (Pillow raises "Decompressed Data Too Large"), `'error'` on a zlib error (Pillow ignores the
 * chunk), else the bytes.
 */
export function decompressLimited(data: Uint8Array, limit: number): Uint8Array | 'too-large' | 'error' {
  const z = new ZlibInflate();
  z.setInput(data);
  const out = new Uint8Array(limit);
  const { code, written } = z.inflate(out, 0, limit, Z_SYNC_FLUSH);
  z.end();
  if (code < 0 && code !== -5) return 'error';
  if (code !== Z_STREAM_END && z.availIn > 0 && written === limit) return 'too-large';
  return out.subarray(0, written);
}

/**
 * The VP8L bit reader: least-significant bit first, as RFC 9649 §3.3 reads. Bits past the end of
 * the data read as zero and are counted; `overrun` says whether more bits were consumed than the
 * data holds, libwebp's end-of-stream error (`VP8LIsEndOfStream`). libwebp preloads 64 bits, so a
 * stream shorter than 8 bytes may use up to 64 bits (its missing bytes zero) without error: the same here.
 */
export class Vp8lBits {
  private pos = 0; // the next byte to load into `val`
  private val = 0; // up to 32 not-yet-consumed bits, the next one lowest
  private nbits = 0;
  private readonly availableBits: number;

  constructor(private readonly data: Uint8Array) {
    this.availableBits = 8 * Math.max(data.length, 8);
  }

  /** Whether more bits were consumed than the stream holds: the image is truncated or corrupt. */
  get overrun(): boolean {
    return this.pos * 8 - this.nbits > this.availableBits;
  }

  /** Makes at least 25 bits available to `peek` (zeros past the end). */
  fill(): void {
    const d = this.data;
    while (this.nbits <= 24) {
      const byte = this.pos < d.length ? d[this.pos]! : 0;
      this.val |= byte << this.nbits;
      this.pos++;
      this.nbits += 8;
    }
  }

  /** The next bits, not consumed (call `fill` first; at most 25 are valid). */
  peek(): number {
    return this.val;
  }

  skip(n: number): void {
    this.val >>>= n;
    this.nbits -= n;
  }

  /** `n` ≤ 24 bits as an unsigned number. */
  read(n: number): number {
    if (this.nbits < n) this.fill();
    const v = this.val & ((1 << n) - 1);
    this.val >>>= n;
    this.nbits -= n;
    return v;
  }
}

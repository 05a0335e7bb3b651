import type { RgbRowSink } from './image-rows.js';
import { PngRefusal, type PngState } from './png-chunks.js';
import { Z_STREAM_END, type InflateSource } from './zlib-stream.js';

// Adam7, as libImaging/ZipDecode.c tables it.
const OFFSET = [7, 3, 3, 1, 1, 0, 0];
const STARTING_COL = [0, 4, 0, 2, 0, 1, 0];
const STARTING_ROW = [0, 0, 4, 0, 2, 0, 1];
const COL_INCREMENT = [8, 8, 4, 4, 2, 2, 1];
const ROW_INCREMENT = [8, 8, 8, 4, 4, 2, 2];

const BITS: Record<string, number> = {
  '1': 1,
  'L;2': 2,
  'L;4': 4,
  L: 8,
  'I;16B': 16,
  RGB: 24,
  'RGB;16B': 48,
  'P;1': 1,
  'P;2': 2,
  'P;4': 4,
  P: 8,
  LA: 16,
  'LA;16B': 32,
  RGBA: 32,
  'RGBA;16B': 64,
};

/**
 * ImagingZipDecode for PNG, step for step: inflate one filtered row at a time, unfilter it against
 * the previous one, store it (Adam7 passes and an APNG frame's box included), and finish when the
 * last row is stored or the zlib stream ends. Rows go to the sink in RGB by Pillow's rules.
 */
export class PngRows {
  readonly rowsNeeded: number;
  rowsDone = 0;
  private readonly bits: number;
  private readonly bpp: number;
  private readonly x0: number;
  private readonly y0: number;
  private readonly xsize: number;
  private readonly ysize: number;
  private buffer: Uint8Array;
  private previous: Uint8Array;
  private last = 0;
  private pass = 0;
  private y = 0;
  private rowLen: number;
  private readonly rgbRow: Uint8Array;
  /** Adam7 and a frame smaller than the image need the whole RGB canvas (else rows stream out). */
  private readonly whole: boolean;
  /** That canvas, made when the first row is decoded: a file whose data holds no row costs none. */
  private canvasBuffer: Uint8Array | undefined;

  constructor(
    private readonly st: PngState,
    bbox: readonly [number, number, number, number] | undefined,
    private readonly palette: Uint8Array | undefined,
    private readonly sink: RgbRowSink,
  ) {
    const [x0, y0, x1, y1] = bbox ?? [0, 0, st.width, st.height];
    [this.x0, this.y0, this.xsize, this.ysize] = [x0, y0, x1 - x0, y1 - y0];
    this.bits = BITS[st.rawmode!]!;
    this.bpp = (this.bits + 7) >> 3;
    const bytes = Math.ceil((this.xsize * this.bits) / 8);
    this.buffer = new Uint8Array(bytes + 1);
    this.previous = new Uint8Array(bytes + 1);
    this.rowLen = st.interlaced ? this.passRowLen(0) : bytes;
    this.rgbRow = new Uint8Array(st.width * 3);
    const whole = st.interlaced || this.xsize !== st.width || this.ysize !== st.height;
    this.whole = whole;
    this.rowsNeeded = st.interlaced ? this.countInterlacedRows() : this.ysize;
    sink.start(st.width, st.height);
  }

  /**
   * Decodes what `z` holds; 'more' wants more data, 'done' has every row, 'stream-end': the inflate
   * call that completed a row also reached the stream's end (Pillow's decoder stops there, no error).
   */
  feed(z: InflateSource): 'more' | 'done' | 'stream-end' {
    while (z.availIn > 0) {
      const want = this.rowLen + 1;
      const { code, written } = z.inflate(this.buffer, this.last, want);
      if (code < 0) throw new PngRefusal(`broken data stream when reading image file (zlib: ${z.message})`);
      this.last += written;
      if (this.last < want) return 'more';
      this.unfilter();
      this.store();
      this.rowsDone++;
      this.last = 0;
      if (this.y >= this.ysize) return 'done';
      if (code === Z_STREAM_END) return 'stream-end';
      [this.buffer, this.previous] = [this.previous, this.buffer];
    }
    return 'more';
  }

  /** The filtered bytes of every row (a filter byte each) of a non-interlaced image. */
  get rowBytes(): number {
    return this.ysize * (this.rowLen + 1);
  }

  /** Delivers the canvas (Adam7, frame box), or the blank rows after an early stream end or an allowed truncation. */
  finish(): void {
    const w3 = this.st.width * 3;
    if (this.whole) {
      const canvas = this.canvas;
      for (let y = 0; y < this.st.height; y++) this.sink.row(y, canvas.subarray(y * w3, (y + 1) * w3));
    } else {
      fillRgb(this.rgbRow, this.blank());
      for (let y = this.y; y < this.st.height; y++) this.sink.row(y, this.rgbRow);
    }
  }

  /**
   * The colour of a pixel never decoded: Pillow's image memory starts zeroed, so in RGB it is black,
   * except in mode P, where index 0 becomes the palette's first colour.
   */
  private blank(): Uint8Array {
    const rgb = new Uint8Array(3);
    unpackRgb(this.st.rawmode!, new Uint8Array(this.bpp + 1), 1, this.palette, rgb);
    return rgb;
  }

  private get canvas(): Uint8Array {
    if (!this.canvasBuffer) {
      this.canvasBuffer = new Uint8Array(this.st.width * this.st.height * 3);
      fillRgb(this.canvasBuffer, this.blank());
    }
    return this.canvasBuffer;
  }

  private passRowLen(pass: number): number {
    const n = Math.floor((this.xsize + OFFSET[pass]!) / COL_INCREMENT[pass]!);
    return Math.floor((n * this.bits + 7) / 8);
  }

  private countInterlacedRows(): number {
    let n = 0;
    for (let p = 0; p < 7; p++)
      if (this.passRowLen(p) > 0) for (let y = STARTING_ROW[p]!; y < this.ysize; y += ROW_INCREMENT[p]!) n++;
    return n;
  }

  private unfilter(): void {
    const [buf, prev, bpp, len] = [this.buffer, this.previous, this.bpp, this.rowLen];
    switch (buf[0]) {
      case 0:
        return;
      case 1:
        for (let i = bpp + 1; i <= len; i++) buf[i] = buf[i]! + buf[i - bpp]!;
        return;
      case 2:
        for (let i = 1; i <= len; i++) buf[i] = buf[i]! + prev[i]!;
        return;
      case 3: {
        let i = 1;
        for (; i <= bpp; i++) buf[i] = buf[i]! + (prev[i]! >> 1);
        for (; i <= len; i++) buf[i] = buf[i]! + ((buf[i - bpp]! + prev[i]!) >> 1);
        return;
      }
      case 4: {
        let i = 1;
        for (; i <= bpp; i++) buf[i] = buf[i]! + prev[i]!;
        for (; i <= len; i++) {
          const [a, b, c] = [buf[i - bpp]!, prev[i]!, prev[i - bpp]!];
          const [pa, pb, pc] = [Math.abs(b - c), Math.abs(a - c), Math.abs(a + b - 2 * c)];
          buf[i] = buf[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
        return;
      }
      default:
        throw new PngRefusal(`unrecognized filter type ${buf[0]} in row ${this.rowsDone}`);
    }
  }

  private store(): void {
    if (!this.st.interlaced) {
      const count = this.xsize;
      unpackRgb(this.st.rawmode!, this.buffer, count, this.palette, this.rgbRow);
      if (this.whole)
        this.canvas.set(this.rgbRow.subarray(0, count * 3), ((this.y + this.y0) * this.st.width + this.x0) * 3);
      else this.sink.row(this.y, this.rgbRow);
      this.y++;
      return;
    }
    const count = Math.floor((this.xsize + OFFSET[this.pass]!) / COL_INCREMENT[this.pass]!);
    unpackRgb(this.st.rawmode!, this.buffer, count, this.palette, this.rgbRow);
    const step = COL_INCREMENT[this.pass]! * 3;
    let q = ((this.y + this.y0) * this.st.width + this.x0 + STARTING_COL[this.pass]!) * 3;
    for (let i = 0; i < count * 3; i += 3, q += step) {
      this.canvas[q] = this.rgbRow[i]!;
      this.canvas[q + 1] = this.rgbRow[i + 1]!;
      this.canvas[q + 2] = this.rgbRow[i + 2]!;
    }
    this.y += ROW_INCREMENT[this.pass]!;
    while (this.y >= this.ysize || this.rowLen <= 0) {
      this.pass++;
      if (this.pass === 7) {
        this.y = this.ysize;
        break;
      }
      this.y = STARTING_ROW[this.pass]!;
      this.rowLen = this.passRowLen(this.pass);
      this.buffer.fill(0); // becomes `previous` after the swap: a new pass starts from black
    }
  }
}

function fillRgb(out: Uint8Array, rgb: Uint8Array): void {
  if (rgb[0] === 0 && rgb[1] === 0 && rgb[2] === 0) return void out.fill(0);
  for (let q = 0; q < out.length; q += 3) out.set(rgb, q);
}

/** One row of `count` pixels in Pillow's raw mode (after the filter byte) → RGB, as `convert('RGB')` gives it. */
function unpackRgb(
  rawmode: string,
  src: Uint8Array,
  count: number,
  pal: Uint8Array | undefined,
  out: Uint8Array,
): void {
  const s = 1; // the filter-type byte
  switch (rawmode) {
    case '1':
    case 'L;2':
    case 'L;4':
    case 'P;1':
    case 'P;2':
    case 'P;4': {
      const bits = Number(rawmode.at(-1)) || 1;
      const mask = (1 << bits) - 1;
      const scale = rawmode[0] === 'P' ? 1 : 255 / mask;
      for (let x = 0, q = 0; x < count; x++, q += 3) {
        const bit = x * bits;
        const v = (src[s + (bit >> 3)]! >> (8 - bits - (bit & 7))) & mask;
        if (pal) out.set(pal.subarray(v * 3, v * 3 + 3), q);
        else out[q] = out[q + 1] = out[q + 2] = v * scale;
      }
      return;
    }
    case 'P':
      for (let x = 0, q = 0; x < count; x++, q += 3) {
        const i = src[s + x]! * 3;
        out[q] = pal![i]!;
        out[q + 1] = pal![i + 1]!;
        out[q + 2] = pal![i + 2]!;
      }
      return;
    case 'L':
    case 'LA':
    case 'LA;16B': {
      const step = rawmode === 'L' ? 1 : rawmode === 'LA' ? 2 : 4;
      for (let x = 0, q = 0; x < count; x++, q += 3) out[q] = out[q + 1] = out[q + 2] = src[s + x * step]!;
      return;
    }
    case 'I;16B':
      // Mode I: convert('RGB') clips at 255 (libImaging/Convert.c i2rgb); it does not scale.
      for (let x = 0, q = 0; x < count; x++, q += 3) {
        const v = (src[s + x * 2]! << 8) | src[s + x * 2 + 1]!;
        out[q] = out[q + 1] = out[q + 2] = v > 255 ? 255 : v;
      }
      return;
    default: {
      // RGB, RGBA and their 16-bit forms: the first byte of each sample is its high byte.
      const sample = rawmode.endsWith(';16B') ? 2 : 1;
      const step = (rawmode.startsWith('RGBA') ? 4 : 3) * sample;
      for (let x = 0, q = 0, p = s; x < count; x++, q += 3, p += step) {
        out[q] = src[p]!;
        out[q + 1] = src[p + sample]!;
        out[q + 2] = src[p + 2 * sample]!;
      }
    }
  }
}

/**
 * The inverse VP8L transforms (RFC 9649 §4), one row at a time, with libwebp's exact arithmetic
 * (`src/dsp/lossless.c`). Pixels are ARGB in 32-bit integers (`Int32Array`s, so V8 keeps them small integers; mask, never compare).
 */
export interface RowTransform {
  /** The width of the rows this transform produces. */
  readonly width: number;
  /** Transforms row `y` (`input`, of the width the transform reads) and returns its output row (valid until the next call). */
  apply(y: number, input: Int32Array): Int32Array;
}

/** Per-channel sum mod 256 (`VP8LAddPixels`). */
export function addPixels(a: number, b: number): number {
  return (((a & 0xff00ff00) + (b & 0xff00ff00)) & 0xff00ff00) | (((a & 0x00ff00ff) + (b & 0x00ff00ff)) & 0x00ff00ff);
}

const average2 = (a: number, b: number) => (((a ^ b) & 0xfefefefe) >>> 1) + (a & b);
const clip255 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);
const BLACK = 0xff000000 | 0;

/** libwebp's `Select(a = T, b = L, c = TL)`: whichever of T and L is nearer (Manhattan) to the gradient estimate. */
function select(a: number, b: number, c: number): number {
  const d =
    Math.abs((b >>> 24) - (c >>> 24)) -
    Math.abs((a >>> 24) - (c >>> 24)) +
    Math.abs(((b >>> 16) & 255) - ((c >>> 16) & 255)) -
    Math.abs(((a >>> 16) & 255) - ((c >>> 16) & 255)) +
    Math.abs(((b >>> 8) & 255) - ((c >>> 8) & 255)) -
    Math.abs(((a >>> 8) & 255) - ((c >>> 8) & 255)) +
    Math.abs((b & 255) - (c & 255)) -
    Math.abs((a & 255) - (c & 255));
  return d <= 0 ? a : b;
}

const addSubFull = (a: number, b: number, c: number, s: number) =>
  clip255(((a >>> s) & 255) + ((b >>> s) & 255) - ((c >>> s) & 255)) << s;

function clampAddSubtractFull(a: number, b: number, c: number): number {
  return addSubFull(a, b, c, 24) | addSubFull(a, b, c, 16) | addSubFull(a, b, c, 8) | addSubFull(a, b, c, 0);
}

const addSubHalf = (ave: number, c: number, s: number) => {
  const x = (ave >>> s) & 255;
  return clip255(x + (((x - ((c >>> s) & 255)) / 2) | 0)) << s; // C's division: towards zero
};

function clampAddSubtractHalf(a: number, b: number, c: number): number {
  const ave = average2(a, b);
  return addSubHalf(ave, c, 24) | addSubHalf(ave, c, 16) | addSubHalf(ave, c, 8) | addSubHalf(ave, c, 0);
}

/**
 * Predictor `mode` from left L, top T, top-right TR, top-left TL (RFC 9649 §4.1; libwebp's
 * `VP8LPredictor*`); 14 and 15 are libwebp's black sentinels.
 */
export function predict(mode: number, L: number, T: number, TR: number, TL: number): number {
  switch (mode) {
    case 1:
      return L;
    case 2:
      return T;
    case 3:
      return TR;
    case 4:
      return TL;
    case 5:
      return average2(average2(L, TR), T);
    case 6:
      return average2(L, TL);
    case 7:
      return average2(L, T);
    case 8:
      return average2(TL, T);
    case 9:
      return average2(T, TR);
    case 10:
      return average2(average2(L, TL), average2(T, TR));
    case 11:
      return select(T, L, TL);
    case 12:
      return clampAddSubtractFull(L, T, TL);
    case 13:
      return clampAddSubtractHalf(L, T, TL);
    default:
      return BLACK;
  }
}

/** Mode per tile of `bits` from the green byte of the transform image; the top row is L, the left column T. */
export class PredictorTransform implements RowTransform {
  /** The row above at [0, width), the row being made at [width, 2·width): the top-right of the last pixel is this row's first, as in libwebp's contiguous buffer. */
  private readonly buf: Int32Array;

  constructor(
    readonly width: number,
    private readonly bits: number,
    private readonly modes: Int32Array,
  ) {
    this.buf = new Int32Array(2 * width);
  }

  apply(y: number, input: Int32Array): Int32Array {
    const [w, buf] = [this.width, this.buf];
    if (y > 0) buf.copyWithin(0, w, 2 * w);
    if (y === 0) {
      let left = (buf[w] = addPixels(input[0]!, BLACK));
      for (let x = 1; x < w; x++) left = buf[w + x] = addPixels(input[x]!, left);
      return buf.subarray(w);
    }
    buf[w] = addPixels(input[0]!, buf[0]!);
    const tilesPerRow = (w + (1 << this.bits) - 1) >> this.bits;
    const modeRow = (y >> this.bits) * tilesPerRow;
    for (let x = 1; x < w;) {
      const mode = (this.modes[modeRow + (x >> this.bits)]! >> 8) & 15;
      const end = Math.min(((x >> this.bits) + 1) << this.bits, w);
      for (; x < end; x++)
        buf[w + x] = addPixels(input[x]!, predict(mode, buf[w + x - 1]!, buf[x]!, buf[x + 1]!, buf[x - 1]!));
    }
    return buf.subarray(w);
  }
}

const delta = (t: number, c: number) => (((t << 24) >> 24) * ((c << 24) >> 24)) >> 5;

/** Per tile: green_to_red (blue byte), green_to_blue (green byte), red_to_blue (red byte). */
export class CrossColorTransform implements RowTransform {
  private readonly out: Int32Array;

  constructor(
    readonly width: number,
    private readonly bits: number,
    private readonly multipliers: Int32Array,
  ) {
    this.out = new Int32Array(width);
  }

  apply(y: number, input: Int32Array): Int32Array {
    const tilesPerRow = (this.width + (1 << this.bits) - 1) >> this.bits;
    const row = (y >> this.bits) * tilesPerRow;
    for (let x = 0; x < this.width; x++) {
      const m = this.multipliers[row + (x >> this.bits)]!;
      const argb = input[x]!;
      const green = (argb >>> 8) & 255;
      const red = (((argb >>> 16) & 255) + delta(m & 255, green)) & 255;
      const blue = ((argb & 255) + delta((m >>> 8) & 255, green) + delta((m >>> 16) & 255, red)) & 255;
      this.out[x] = (argb & 0xff00ff00) | (red << 16) | blue;
    }
    return this.out;
  }
}

export class SubtractGreenTransform implements RowTransform {
  private readonly out: Int32Array;

  constructor(readonly width: number) {
    this.out = new Int32Array(width);
  }

  apply(_y: number, input: Int32Array): Int32Array {
    for (let x = 0; x < this.width; x++) {
      const argb = input[x]!;
      const green = (argb >>> 8) & 255;
      this.out[x] = (argb & 0xff00ff00) | ((((argb >>> 16) + green) & 255) << 16) | (((argb & 255) + green) & 255);
    }
    return this.out;
  }
}

/** Palette lookup; with ≤ 16 colours several indices are bundled into one pixel's green byte (`bits` = log2 of pixels per byte). */
export class ColorIndexingTransform implements RowTransform {
  private readonly out: Int32Array;

  /** `palette` is libwebp's expanded colour map: 1 << (8 >> bits) entries, black past the real colours. */
  constructor(
    readonly width: number,
    private readonly bits: number,
    private readonly palette: Int32Array,
  ) {
    this.out = new Int32Array(width);
  }

  apply(_y: number, input: Int32Array): Int32Array {
    const bpp = 8 >> this.bits;
    const [countMask, bitMask] = [(1 << this.bits) - 1, (1 << bpp) - 1];
    let packed = 0;
    for (let x = 0, src = 0; x < this.width; x++) {
      if ((x & countMask) === 0) packed = (input[src++]! >>> 8) & 255;
      this.out[x] = this.palette[packed & bitMask]!;
      packed >>>= bpp;
    }
    return this.out;
  }
}

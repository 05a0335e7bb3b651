/**
 * libtiff's YCbCr → RGB (tif_color.c `TIFFYCbCrToRGBInit` / `TIFFYCbCrtoRGB`), which Pillow reaches
 * through libtiff's RGBA interface for YCbCr TIFFs that are not JPEG-compressed: float32 set-up of
 * 16-bit fixed-point tables, then integer arithmetic per pixel. Only 8-bit samples, as in libtiff.
 */
const f = Math.fround;
const SHIFT = 16;
const ONE_HALF = 1 << (SHIFT - 1);
/** `FIX(x)`: a float times 2^16, plus ½ in double, truncated. */
const fix = (x: number) => Math.trunc(f(x * (1 << SHIFT)) + 0.5);
const clampF = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);
/** `Code2V(c, RB, RW, CR)`, in float32 as the C macro computes it. */
const code2v = (c: number, rb: number, rw: number, cr: number) =>
  f(f((c - Math.trunc(rb)) * f(cr)) / f(rw - rb !== 0 ? rw - rb : 1));

export interface YCbCrTables {
  readonly crR: Int32Array;
  readonly cbB: Int32Array;
  readonly crG: Int32Array;
  readonly cbG: Int32Array;
  readonly y: Int32Array;
}

/** The tables for these coefficients (tag 529, default 0.299/0.587/0.114) and ReferenceBlackWhite (tag 532). */
export function ycbcrTables(luma: readonly number[], refBW: readonly number[]): YCbCrTables {
  const [lr, lg, lb] = luma.map(f) as [number, number, number];
  const rbw = refBW.map(f);
  const f1 = f(2 - f(2 * lr));
  const d1 = fix(clampF(f1, 0, 2));
  const f2 = f(f(lr * f1) / lg);
  const d2 = -fix(clampF(f2, 0, 2));
  const f3 = f(2 - f(2 * lb));
  const d3 = fix(clampF(f3, 0, 2));
  const f4 = f(f(lb * f3) / lg);
  const d4 = -fix(clampF(f4, 0, 2));
  const t = {
    crR: new Int32Array(256),
    cbB: new Int32Array(256),
    crG: new Int32Array(256),
    cbG: new Int32Array(256),
    y: new Int32Array(256),
  };
  for (let i = 0, x = -128; i < 256; i++, x++) {
    const cr = Math.trunc(clampF(code2v(x, f(rbw[4]! - 128), f(rbw[5]! - 128), 127), -128 * 32, 128 * 32));
    const cb = Math.trunc(clampF(code2v(x, f(rbw[2]! - 128), f(rbw[3]! - 128), 127), -128 * 32, 128 * 32));
    t.crR[i] = (Math.imul(d1, cr) + ONE_HALF) >> SHIFT;
    t.cbB[i] = (Math.imul(d3, cb) + ONE_HALF) >> SHIFT;
    t.crG[i] = Math.imul(d2, cr);
    t.cbG[i] = Math.imul(d4, cb) + ONE_HALF;
    t.y[i] = Math.trunc(clampF(code2v(x + 128, rbw[0]!, rbw[1]!, 255), -128 * 32, 128 * 32));
  }
  return t;
}

const clamp8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/** One pixel: `TIFFYCbCrtoRGB`. */
export function ycbcrToRgb(t: YCbCrTables, y: number, cb: number, cr: number, out: Uint8Array, q: number): void {
  const Y = t.y[y]!;
  out[q] = clamp8(Y + t.crR[cr]!);
  out[q + 1] = clamp8(Y + ((t.cbG[cb]! + t.crG[cr]!) >> SHIFT));
  out[q + 2] = clamp8(Y + t.cbB[cb]!);
}

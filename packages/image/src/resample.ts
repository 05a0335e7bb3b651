/**
 * Pillow's `Image.resize` for the convolution filters (BOX, BILINEAR, HAMMING, BICUBIC, LANCZOS) on
 * 8-bit images, bit for bit: a port of libImaging/Resample.c (Pillow 9.4). Coefficients are computed
 * in double precision like the C code, then normalised to 22-bit fixed point; each pass accumulates
 * integers from ½ and clips `>> 22` to 0…255. Horizontal pass first, then vertical, each only when
 * the size or the box changes along that axis.
 */
export type ResampleFilter = 'box' | 'bilinear' | 'hamming' | 'bicubic' | 'lanczos';

interface Filter {
  readonly support: number;
  readonly f: (x: number) => number;
}

// The C code's `0.54f + 0.46f * cos(x)` uses float constants.
const F054 = Math.fround(0.54);
const F046 = Math.fround(0.46);

const sinc = (x: number): number => {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
};

export const FILTERS: Record<ResampleFilter, Filter> = {
  box: { support: 0.5, f: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: { support: 1, f: (x) => ((x = Math.abs(x)) < 1 ? 1 - x : 0) },
  hamming: {
    support: 1,
    f: (x) => {
      x = Math.abs(x);
      if (x === 0) return 1;
      if (x >= 1) return 0;
      x = x * Math.PI;
      return (Math.sin(x) / x) * (F054 + F046 * Math.cos(x));
    },
  },
  bicubic: {
    support: 2,
    f: (x) => {
      const a = -0.5;
      x = Math.abs(x);
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
  lanczos: { support: 3, f: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

const PRECISION_BITS = 32 - 8 - 2;

interface Coeffs {
  readonly ksize: number;
  /** Per output pixel: first input index and count. */
  readonly bounds: Int32Array;
  /** `ksize` fixed-point weights per output pixel. */
  readonly k: Int32Array;
}

/** `precompute_coeffs` + `normalize_coeffs_8bpc`; `in0`/`in1` are the box edges (C floats). */
export function precomputeCoeffs(inSize: number, in0: number, in1: number, outSize: number, filter: Filter): Coeffs {
  const scale = (Math.fround(in1) - Math.fround(in0)) / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const k = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = Math.fround(in0) + (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const v = filter.f((x + xmin - center + 0.5) * ss);
      w[x] = v;
      ww += v;
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? w[x]! / ww : w[x]!;
      k[xx * ksize + x] =
        v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, k };
}

/** `clip8`: the accumulator's integer part, clamped to a byte (Pillow's lookup table does the same). */
const clip8 = (ss: number): number => {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
};

/** 8-bit pixels with 1 (L) or 3 (RGB) interleaved channels. */
export interface PixelBuffer {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

/** Box `[x0, y0, x1, y1]` in source pixels, as Pillow's `resize(..., box=)`. */
export type Box = readonly [number, number, number, number];

/**
 * `img.resize((width, height), filter, box)` for 8-bit L or RGB images, exactly as Pillow 9.4.
 * @example resample({ width: 4, height: 1, channels: 1, data }, 2, 1, 'bilinear').data.length // 2
 */
export function resample(
  img: PixelBuffer,
  width: number,
  height: number,
  filter: ResampleFilter,
  box: Box = [0, 0, img.width, img.height],
): PixelBuffer {
  const f = FILTERS[filter];
  const needH = width !== img.width || box[0] !== 0 || box[2] !== width;
  const needV = height !== img.height || box[1] !== 0 || box[3] !== height;
  const horiz = precomputeCoeffs(img.width, box[0], box[2], width, f);
  const vert = precomputeCoeffs(img.height, box[1], box[3], height, f);
  let cur = img;
  let yOffset = 0;
  if (needH) {
    // Only the rows the vertical pass will read.
    const first = vert.bounds[0]!;
    const last = vert.bounds[(height - 1) * 2]! + vert.bounds[(height - 1) * 2 + 1]!;
    cur = horizontalPass(img, width, first, last - first, horiz);
    yOffset = first;
  }
  if (needV) cur = verticalPass(cur, height, yOffset, vert);
  if (cur === img) return { ...img, data: img.data.slice() };
  return cur;
}

export function horizontalPass(img: PixelBuffer, outW: number, firstRow: number, rows: number, c: Coeffs): PixelBuffer {
  const ch = img.channels;
  const src = img.data;
  const out = new Uint8Array(outW * rows * ch);
  const half = 1 << (PRECISION_BITS - 1);
  for (let y = 0; y < rows; y++) {
    const rowIn = (y + firstRow) * img.width * ch;
    let q = y * outW * ch;
    for (let xx = 0; xx < outW; xx++) {
      const xmin = c.bounds[xx * 2]!;
      const n = c.bounds[xx * 2 + 1]!;
      const kb = xx * c.ksize;
      if (ch === 3) {
        let s0 = half;
        let s1 = half;
        let s2 = half;
        for (let x = 0, p = rowIn + xmin * 3; x < n; x++, p += 3) {
          const k = c.k[kb + x]!;
          s0 += src[p]! * k;
          s1 += src[p + 1]! * k;
          s2 += src[p + 2]! * k;
        }
        out[q++] = clip8(s0);
        out[q++] = clip8(s1);
        out[q++] = clip8(s2);
      } else {
        let s0 = half;
        for (let x = 0; x < n; x++) s0 += src[rowIn + x + xmin]! * c.k[kb + x]!;
        out[q++] = clip8(s0);
      }
    }
  }
  return { width: outW, height: rows, channels: ch, data: out };
}

export function verticalPass(img: PixelBuffer, outH: number, yOffset: number, c: Coeffs): PixelBuffer {
  const rowLen = img.width * img.channels;
  const src = img.data;
  const out = new Uint8Array(rowLen * outH);
  // Row by row into an accumulator (cache-friendly); sums are exact integers as in the C code.
  const acc = new Float64Array(rowLen);
  const half = 1 << (PRECISION_BITS - 1);
  for (let yy = 0; yy < outH; yy++) {
    const ymin = c.bounds[yy * 2]! - yOffset;
    const n = c.bounds[yy * 2 + 1]!;
    const kb = yy * c.ksize;
    acc.fill(half);
    for (let y = 0; y < n; y++) {
      const k = c.k[kb + y]!;
      const r = (y + ymin) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] = acc[i]! + src[r + i]! * k;
    }
    const o = yy * rowLen;
    for (let i = 0; i < rowLen; i++) out[o + i] = clip8(acc[i]!);
  }
  return { width: img.width, height: outH, channels: img.channels, data: out };
}

/**
 * Bilinear resampling of `[H,W,3]` images as an explicit sparse linear map: every output pixel reads
 * four input pixels with four weights. Writing it as a map gives the forward sampling and its exact
 * adjoint (the transpose, which carries a gradient back) from one table, so an ascent through a
 * rotated image is the true gradient of the rotated objective.
 *
 * Edge rule: the image continues mirrored about its outer pixel edges (… c b a | a b c … : scipy's
 * `mode='reflect'`, what tf-keras-vis' `Rotate2D` uses), so a turned image has no blank corners. Within
 * half a pixel of the border this is the edge pixel itself, which is `tf.image.resize`'s clamp: resizing
 * never reads further out. Positions within 1e-9 of a pixel centre are taken as that centre, so quarter
 * turns of a square image are exact permutations rather than 1e-16 blends of neighbours.
 */
export interface Sampling {
  readonly inSize: readonly [number, number];
  readonly outSize: readonly [number, number];
  /** Four input pixel indices (y·W + x) per output pixel. */
  readonly index: Int32Array;
  /** Their four weights (summing to 1). */
  readonly weight: Float64Array;
}

/** The sampling that reads output pixel (y, x) at input position `at(y, x)` = [sy, sx] (pixel centres at integers). */
function bilinearSampling(
  inSize: readonly [number, number],
  outSize: readonly [number, number],
  at: (y: number, x: number) => readonly [number, number],
): Sampling {
  const [ih, iw] = inSize;
  const [oh, ow] = outSize;
  const index = new Int32Array(oh * ow * 4);
  const weight = new Float64Array(oh * ow * 4);
  // One axis at a time, into scratch slots: no allocation per pixel (this runs for every image and step).
  const lo = [0, 0];
  const hi = [0, 0];
  const frac = [0, 0];
  const axis = (slot: number, v: number, n: number) => {
    let c = Math.min(n - 1, Math.max(0, reflect(v, n)));
    if (Math.abs(c - Math.round(c)) < 1e-9) c = Math.round(c);
    const i0 = Math.floor(c);
    lo[slot] = i0;
    hi[slot] = Math.min(i0 + 1, n - 1);
    frac[slot] = c - i0;
  };
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const [sy, sx] = at(y, x);
      axis(0, sy, ih);
      axis(1, sx, iw);
      const [y0, y1, fy, x0, x1, fx] = [lo[0]!, hi[0]!, frac[0]!, lo[1]!, hi[1]!, frac[1]!];
      const o = (y * ow + x) * 4;
      index[o] = y0 * iw + x0;
      index[o + 1] = y0 * iw + x1;
      index[o + 2] = y1 * iw + x0;
      index[o + 3] = y1 * iw + x1;
      weight[o] = (1 - fy) * (1 - fx);
      weight[o + 1] = (1 - fy) * fx;
      weight[o + 2] = fy * (1 - fx);
      weight[o + 3] = fy * fx;
    }
  }
  return { inSize, outSize, index, weight };
}

/** Position v on an axis of n pixels mirrored into [−½, n − ½] (period 2n, half-sample symmetric). */
function reflect(v: number, n: number): number {
  let t = (v + 0.5) % (2 * n);
  if (t < 0) t += 2 * n;
  return (t > n ? 2 * n - t : t) - 0.5;
}

/**
 * Rotation by `degrees` counter-clockwise as displayed (y down), about the image centre
 * ((H−1)/2, (W−1)/2), same size in and out: output (y, x) reads the input at (y, x) turned by −degrees.
 * @example rotation([4, 4], 90) // out[y][x] = in[x][3 − y], numpy's rot90
 */
export function rotation(size: readonly [number, number], degrees: number): Sampling {
  const [h, w] = size;
  const [cy, cx] = [(h - 1) / 2, (w - 1) / 2];
  const t = (degrees * Math.PI) / 180;
  const [cos, sin] = [Math.cos(t), Math.sin(t)];
  return bilinearSampling(size, size, (y, x) => {
    const [dy, dx] = [y - cy, x - cx];
    return [cy + sin * dx + cos * dy, cx + cos * dx - sin * dy];
  });
}

/**
 * Resize with half-pixel centres (`tf.image.resize(…, 'bilinear', antialias=False)`, Pillow's BILINEAR
 * when enlarging): output (y, x) reads the input at ((y + ½)·H/H′ − ½, (x + ½)·W/W′ − ½), the border
 * pixel out to the edge.
 * @example resizing([2, 2], [4, 4]) // along one axis [0, 4] → [0, 1, 3, 4]
 */
export function resizing(inSize: readonly [number, number], outSize: readonly [number, number]): Sampling {
  const [sy, sx] = [inSize[0] / outSize[0], inSize[1] / outSize[1]];
  return bilinearSampling(inSize, outSize, (y, x) => [(y + 0.5) * sy - 0.5, (x + 0.5) * sx - 0.5]);
}

/** Applies a sampling to one `[H,W,3]` image: out = S·src. */
export function sample(s: Sampling, src: Float32Array): Float32Array {
  const n = s.outSize[0] * s.outSize[1];
  const out = new Float32Array(n * 3);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) {
      let v = 0;
      for (let k = p * 4; k < p * 4 + 4; k++) v += s.weight[k]! * src[s.index[k]! * 3 + c]!;
      out[p * 3 + c] = v;
    }
  }
  return out;
}

/** The adjoint (transpose) of `sample` on one `[H′,W′,3]` gradient: out = Sᵀ·g, at the input size. */
export function sampleAdjoint(s: Sampling, g: Float32Array): Float32Array {
  const n = s.outSize[0] * s.outSize[1];
  const acc = new Float64Array(s.inSize[0] * s.inSize[1] * 3);
  for (let p = 0; p < n; p++) {
    for (let k = p * 4; k < p * 4 + 4; k++) {
      const [i, wk] = [s.index[k]! * 3, s.weight[k]!];
      if (wk === 0) continue;
      for (let c = 0; c < 3; c++) acc[i + c]! += wk * g[p * 3 + c]!;
    }
  }
  return Float32Array.from(acc);
}

/** Rolls one `[H,W,3]` image cyclically by (dy, dx)·sign; sign −1 undoes sign 1 (a roll's adjoint is its inverse). */
export function roll(src: Float32Array, h: number, w: number, dy: number, dx: number, sign: 1 | -1): Float32Array {
  const out = new Float32Array(src.length);
  for (let y = 0; y < h; y++) {
    const ty = (((y + sign * dy) % h) + h) % h;
    for (let x = 0; x < w; x++) {
      const tx = (((x + sign * dx) % w) + w) % w;
      out.set(src.subarray((y * w + x) * 3, (y * w + x) * 3 + 3), (ty * w + tx) * 3);
    }
  }
  return out;
}

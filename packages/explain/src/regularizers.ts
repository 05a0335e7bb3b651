/**
 * The input regularizers of tf-keras-vis' ActivationMaximization, on one `[H,W,3]` image in the
 * preprocessed space, normalised by the image's value count n = H·W·3 as tf-keras-vis does (so a
 * weight means the same at every octave's size). Ascent maximises objective − Σ weight·penalty.
 */
export interface Penalty {
  /** Σ weight·penalty(x). */
  readonly value: number;
  /** Its gradient ∂value/∂x (same length as x). */
  readonly gradient: Float64Array;
}

/**
 * weight_tv · TV(x) + weight_l2 · ‖x‖₂ / √n, with TV the anisotropic total variation of
 * `tf.image.total_variation` over n: (Σ|x[y+1,x,c] − x[y,x,c]| + Σ|x[y,x+1,c] − x[y,x,c]|) / n
 * (tf-keras-vis' `TotalVariation2D`; Mahendran & Vedaldi's TV term with β = 1, anisotropic), and the
 * second term tf-keras-vis' `Norm(p=2)` (‖x‖_p / n^(1/p): the RMS of x). Where TV has a kink (equal
 * neighbours) its gradient takes 0; ‖x‖₂ at x = 0 likewise.
 * @example penalty(x, 4, 4, { tv: 10, l2: 0 }).gradient.length // 48
 */
export function penalty(
  x: Float32Array,
  h: number,
  w: number,
  weights: { readonly tv: number; readonly l2: number },
): Penalty {
  const n = h * w * 3;
  const gradient = new Float64Array(n);
  let value = 0;
  if (weights.tv > 0) {
    const s = weights.tv / n;
    let tv = 0;
    const pair = (a: number, b: number) => {
      const d = x[b]! - x[a]!;
      tv += Math.abs(d);
      const g = s * Math.sign(d);
      gradient[b]! += g;
      gradient[a]! -= g;
    };
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        for (let c = 0; c < 3; c++) {
          const i = (y * w + xx) * 3 + c;
          if (y + 1 < h) pair(i, i + w * 3);
          if (xx + 1 < w) pair(i, i + 3);
        }
      }
    }
    value += s * tv;
  }
  if (weights.l2 > 0) {
    let sq = 0;
    for (let i = 0; i < n; i++) sq += x[i]! * x[i]!;
    const norm = Math.sqrt(sq);
    const root = Math.sqrt(n);
    value += (weights.l2 * norm) / root;
    if (norm > 0) for (let i = 0; i < n; i++) gradient[i]! += (weights.l2 * x[i]!) / (norm * root);
  }
  return { value, gradient };
}

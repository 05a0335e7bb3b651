import type { FloatTensor, ReluBackwardMode } from '@vggscope/core';

/*
 * The reverse-pass ops in plain loops with float64 sums: the oracle the simd backward ops are
 * checked against, itself checked against finite differences of the forward ops (backward.test.ts).
 */

/** `dy · [y > 0]` (TF's ReluGrad, from the ReLU's output); guided backprop also drops `dy < 0`. */
export function reluBackward(dy: FloatTensor, y: FloatTensor, mode: ReluBackwardMode): FloatTensor {
  const out = new Float32Array(dy.data.length);
  for (let i = 0; i < out.length; i++) {
    const g = dy.data[i]!;
    out[i] = y.data[i]! > 0 && (mode === 'plain' || g > 0) ? g : 0;
  }
  return { data: out, shape: [...dy.shape] };
}

/**
 * ∂/∂x of a 3×3 'same' conv (stride 1, NHWC, HWIO kernel) from `dz`, the gradient at its output
 * before bias and ReLU: dx[y,x,c] = Σ_{ky,kx,o} dz[y−ky+1, x−kx+1, o] · K[ky,kx,c,o].
 */
export function conv2dBackwardData(dz: FloatTensor, kernel: FloatTensor): FloatTensor {
  const [n, h, w, cout] = dz.shape as [number, number, number, number];
  const [kh, kw, cin, kout] = kernel.shape as [number, number, number, number];
  if (kout !== cout) throw new Error(`conv2dBackwardData: gradient has ${cout} channels, kernel has ${kout} outputs`);
  const padTop = Math.floor((kh - 1) / 2);
  const padLeft = Math.floor((kw - 1) / 2);
  const out = new Float32Array(n * h * w * cin);
  const acc = new Float64Array(cin);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        acc.fill(0);
        for (let ky = 0; ky < kh; ky++) {
          const yo = y - ky + padTop;
          if (yo < 0 || yo >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const xo = x - kx + padLeft;
            if (xo < 0 || xo >= w) continue;
            const gBase = ((b * h + yo) * w + xo) * cout;
            const kBase = (ky * kw + kx) * cin * cout;
            for (let c = 0; c < cin; c++) {
              let s = 0;
              const kRow = kBase + c * cout;
              for (let o = 0; o < cout; o++) s += dz.data[gBase + o]! * kernel.data[kRow + o]!;
              acc[c] = acc[c]! + s;
            }
          }
        }
        out.set(acc, ((b * h + y) * w + x) * cin);
      }
    }
  }
  return { data: out, shape: [n, h, w, cin] };
}

/** 2×2 stride-2 'valid' max pool backward: each window's gradient goes to its first maximum (row-major). */
export function maxPool2x2Backward(dy: FloatTensor, x: FloatTensor): FloatTensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const oh = Math.floor(h / 2);
  const ow = Math.floor(w / 2);
  const out = new Float32Array(x.data.length);
  const at = (b: number, y: number, xx: number, ch: number) => ((b * h + y) * w + xx) * c + ch;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        for (let ch = 0; ch < c; ch++) {
          let best = at(b, 2 * y, 2 * xo, ch);
          for (const [dyy, dxx] of [
            [0, 1],
            [1, 0],
            [1, 1],
          ] as const) {
            const i = at(b, 2 * y + dyy, 2 * xo + dxx, ch);
            if (x.data[i]! > x.data[best]!) best = i;
          }
          out[best] = out[best]! + dy.data[((b * oh + y) * ow + xo) * c + ch]!;
        }
      }
    }
  }
  return { data: out, shape: [n, h, w, c] };
}

/** Global pool backward: `dy [N,C]` spread over H·W evenly (avg) or to the first maximum (max). */
export function globalPoolBackward(dy: FloatTensor, x: FloatTensor, mode: 'avg' | 'max'): FloatTensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const hw = h * w;
  const out = new Float32Array(x.data.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const g = dy.data[b * c + ch]!;
      if (mode === 'avg') {
        for (let p = 0; p < hw; p++) out[(b * hw + p) * c + ch] = g / hw;
        continue;
      }
      let best = 0;
      for (let p = 1; p < hw; p++) if (x.data[(b * hw + p) * c + ch]! > x.data[(b * hw + best) * c + ch]!) best = p;
      out[(b * hw + best) * c + ch] = g;
    }
  }
  return { data: out, shape: [n, h, w, c] };
}

/** `dz · kernelᵀ` with kernel `[in, out]`: the gradient at a dense layer's input. */
export function denseBackward(dz: FloatTensor, kernel: FloatTensor): FloatTensor {
  const [n, fout] = dz.shape as [number, number];
  const [fin, kout] = kernel.shape as [number, number];
  if (kout !== fout) throw new Error(`denseBackward: gradient has ${fout} features, kernel has ${kout} outputs`);
  const out = new Float32Array(n * fin);
  for (let b = 0; b < n; b++) {
    const g = dz.data.subarray(b * fout, (b + 1) * fout);
    for (let i = 0; i < fin; i++) {
      let s = 0;
      const row = i * fout;
      for (let o = 0; o < fout; o++) s += g[o]! * kernel.data[row + o]!;
      out[b * fin + i] = s;
    }
  }
  return { data: out, shape: [n, fin] };
}

import type { FloatTensor } from './tensor.js';

/**
 * Bilinear resize of a single-channel map `[h, w]` to `[outH, outW]` with half-pixel centres and
 * clamped edges (OpenCV's `INTER_LINEAR`, `tf.image.resize(..., 'bilinear')`): what heatmaps are
 * shown with, and what Score-CAM's masks are made of.
 * @example upsampleBilinear({ data, shape: [14, 14] }, 224, 224).shape // [224, 224]
 */
export function upsampleBilinear(map: FloatTensor, outH: number, outW: number): FloatTensor {
  const [h, w] = map.shape as [number, number];
  const out = new Float32Array(outH * outW);
  const xs = axis(w, outW);
  for (let y = 0; y < outH; y++) {
    const [y0, y1, fy] = source(y, h, outH);
    for (let x = 0; x < outW; x++) {
      const x0 = xs.i0[x]!;
      const x1 = xs.i1[x]!;
      const fx = xs.f[x]!;
      const top = map.data[y0 * w + x0]! * (1 - fx) + map.data[y0 * w + x1]! * fx;
      const bottom = map.data[y1 * w + x0]! * (1 - fx) + map.data[y1 * w + x1]! * fx;
      out[y * outW + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return { data: out, shape: [outH, outW] };
}

function source(o: number, n: number, outN: number): [number, number, number] {
  const s = Math.min(Math.max((o + 0.5) * (n / outN) - 0.5, 0), n - 1);
  const i0 = Math.floor(s);
  return [i0, Math.min(i0 + 1, n - 1), s - i0];
}

function axis(n: number, outN: number) {
  const i0 = new Int32Array(outN);
  const i1 = new Int32Array(outN);
  const f = new Float64Array(outN);
  for (let o = 0; o < outN; o++) [i0[o], i1[o], f[o]] = source(o, n, outN);
  return { i0, i1, f };
}

/** One channel `k` of an NHWC activation of one image, as a `[h, w]` map. */
export function channelMap(a: FloatTensor, k: number): FloatTensor {
  const [h, w, c] = a.shape.slice(-3) as [number, number, number];
  const out = new Float32Array(h * w);
  for (let p = 0; p < h * w; p++) out[p] = a.data[p * c + k]!;
  return { data: out, shape: [h, w] };
}

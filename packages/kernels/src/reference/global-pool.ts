import type { FloatTensor } from '@vggscope/core';
import { sameKind } from './same-kind.js';

/** Mean or max over H and W: `[N,H,W,C]` → `[N,C]` (Keras GlobalAverage/MaxPooling2D). */
export function globalPool(x: FloatTensor, mode: 'avg' | 'max'): FloatTensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const out = sameKind(x.data, n * c);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      let acc = mode === 'avg' ? 0 : -Infinity;
      for (let p = 0; p < h * w; p++) {
        const v = x.data[(b * h * w + p) * c + ch]!;
        acc = mode === 'avg' ? acc + v : Math.max(acc, v);
      }
      out[b * c + ch] = mode === 'avg' ? acc / (h * w) : acc;
    }
  }
  return { data: out, shape: [n, c] };
}

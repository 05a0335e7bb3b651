import type { FloatTensor } from '@vggscope/core';
import { sameKind } from './same-kind.js';

/** 2×2 max pool, stride 2, 'valid' (odd trailing rows/columns dropped, as Keras does). */
export function maxPool2x2(x: FloatTensor): FloatTensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const oh = Math.floor(h / 2);
  const ow = Math.floor(w / 2);
  const out = sameKind(x.data, n * oh * ow * c);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        const o = ((b * oh + y) * ow + xo) * c;
        for (let ch = 0; ch < c; ch++) {
          let m = -Infinity;
          for (let dy = 0; dy < 2; dy++) {
            for (let dx = 0; dx < 2; dx++) {
              const v = x.data[((b * h + 2 * y + dy) * w + 2 * xo + dx) * c + ch]!;
              if (v > m) m = v;
            }
          }
          out[o + ch] = m;
        }
      }
    }
  }
  return { data: out, shape: [n, oh, ow, c] };
}

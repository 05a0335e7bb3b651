import type { FloatTensor } from '@vggscope/core';
import { sameKind } from './same-kind.js';

/**
 * Plain-loop 3×3 'same' convolution + bias + ReLU, NHWC input and HWIO kernel; the slow,
 * obviously-correct reference the fast backends are checked against.
 * @example conv2dRelu({ shape: [1, 4, 4, 1], … }, { shape: [3, 3, 1, 2], … }, bias).shape // [1, 4, 4, 2]
 */
export function conv2dRelu(x: FloatTensor, kernel: FloatTensor, bias: FloatTensor): FloatTensor {
  const [n, h, w, cin] = x.shape as [number, number, number, number];
  const [kh, kw, kin, cout] = kernel.shape as [number, number, number, number];
  if (kin !== cin) throw new Error(`conv2dRelu: input has ${cin} channels, kernel expects ${kin}`);
  const padTop = Math.floor((kh - 1) / 2);
  const padLeft = Math.floor((kw - 1) / 2);
  const out = sameKind(x.data, n * h * w * cout);
  const acc = new Float64Array(cout);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let xo = 0; xo < w; xo++) {
        for (let o = 0; o < cout; o++) acc[o] = bias.data[o]!;
        for (let dy = 0; dy < kh; dy++) {
          const yi = y + dy - padTop;
          if (yi < 0 || yi >= h) continue;
          for (let dx = 0; dx < kw; dx++) {
            const xi = xo + dx - padLeft;
            if (xi < 0 || xi >= w) continue;
            const inBase = ((b * h + yi) * w + xi) * cin;
            const kBase = (dy * kw + dx) * cin * cout;
            for (let c = 0; c < cin; c++) {
              const v = x.data[inBase + c]!;
              const kRow = kBase + c * cout;
              for (let o = 0; o < cout; o++) acc[o] = acc[o]! + v * kernel.data[kRow + o]!;
            }
          }
        }
        const outBase = ((b * h + y) * w + xo) * cout;
        for (let o = 0; o < cout; o++) out[outBase + o] = acc[o]! > 0 ? acc[o]! : 0;
      }
    }
  }
  return { data: out, shape: [n, h, w, cout] };
}

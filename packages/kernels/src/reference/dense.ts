import type { DenseActivation, FloatTensor } from '@vggscope/core';
import { sameKind } from './same-kind.js';

/** `x · kernel + bias` then ReLU, softmax or nothing (linear); kernel `[in, out]`. */
export function dense(
  x: FloatTensor,
  kernel: FloatTensor,
  bias: FloatTensor,
  activation: DenseActivation,
): FloatTensor {
  const [n, fin] = x.shape as [number, number];
  const [kin, fout] = kernel.shape as [number, number];
  if (kin !== fin) throw new Error(`dense: input has ${fin} features, kernel expects ${kin}`);
  const out = sameKind(x.data, n * fout);
  const acc = new Float64Array(fout);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < fout; o++) acc[o] = bias.data[o]!;
    for (let i = 0; i < fin; i++) {
      const v = x.data[b * fin + i]!;
      if (v === 0) continue;
      const row = i * fout;
      for (let o = 0; o < fout; o++) acc[o] = acc[o]! + v * kernel.data[row + o]!;
    }
    if (activation === 'linear') {
      for (let o = 0; o < fout; o++) out[b * fout + o] = acc[o]!;
    } else if (activation === 'relu') {
      for (let o = 0; o < fout; o++) out[b * fout + o] = Math.max(0, acc[o]!);
    } else {
      let max = -Infinity;
      for (let o = 0; o < fout; o++) max = Math.max(max, acc[o]!);
      let sum = 0;
      for (let o = 0; o < fout; o++) sum += Math.exp(acc[o]! - max);
      for (let o = 0; o < fout; o++) out[b * fout + o] = Math.exp(acc[o]! - max) / sum;
    }
  }
  return { data: out, shape: [n, fout] };
}

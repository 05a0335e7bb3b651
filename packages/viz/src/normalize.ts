import { VggError } from '@vggscope/core';

/** Rejects NaN/Inf with the position, so a broken weight file never renders as a plausible picture. */
export function assertFinite(data: ArrayLike<number>, what: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new VggError(
        'E_NON_FINITE',
        `${what}: value ${data[i]} at flat index ${i}; NaN/Inf cannot be normalised — check the weights or the input`,
      );
    }
  }
}

export function valueRange(data: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/**
 * (v − min) / (max − min) in [0, 1]. A constant range maps to 0 (black): a dead ReLU map is all
 * zeros, and showing it as "nothing" is what people expect.
 */
export function toUnit(v: number, min: number, max: number): number {
  return max > min ? (v - min) / (max - min) : 0;
}

/**
 * The q-quantile of the values (0 ≤ q ≤ 1; the value at rank ⌊q·n⌋ of the sorted copy). Saliency
 * figures are scaled to the 0.995 quantile: a few hot pixels would otherwise wash the overlay out.
 * @example quantile(Float32Array.of(3, 1, 2, 4), 0.5) // 3
 */
export function quantile(data: ArrayLike<number>, q: number): number {
  const sorted = Float32Array.from(data).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

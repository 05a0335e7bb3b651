import { mulberry32 } from '@vggscope/core';

/**
 * Seeded standard normal samples (mulberry32 + Box–Muller): SmoothGrad's noise and the pattern
 * search's start image are the same bytes for the same seed on every machine and thread count.
 * @example const next = seededNormal(0); next() // ≈ N(0, 1), the same sequence every run
 */
export function seededNormal(seed: number): () => number {
  const uniform = seededUniform(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = 1 - uniform(); // (0, 1]: log is finite
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** Seeded uniform [0, 1) (core's mulberry32). */
export const seededUniform = (seed: number): (() => number) => mulberry32(seed);

/**
 * Mulberry32: a tiny seeded PRNG, uniform in [0, 1). One implementation for everything that must be
 * the same bytes for the same seed on every machine: synthetic weights, SmoothGrad noise, the
 * pattern search's start image, fuzz mutations.
 * @example const next = mulberry32(7); next() // the same first value on every run
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

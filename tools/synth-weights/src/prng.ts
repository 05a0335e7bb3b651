import { mulberry32 } from '@vggscope/core';

export { mulberry32 };

/** Fills `out` with N(0, std²) samples (Box–Muller). */
export function fillNormal(out: Float32Array, std: number, rand: () => number): Float32Array {
  for (let i = 0; i < out.length; i += 2) {
    const u = 1 - rand(); // (0, 1], so log() is finite
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    const theta = 2 * Math.PI * rand();
    out[i] = r * Math.cos(theta);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}

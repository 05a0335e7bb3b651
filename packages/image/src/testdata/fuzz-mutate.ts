import { mulberry32 } from '@vggscope/core';
/** Seeded mutations for decoder fuzzing: bit flips, truncation, chunk duplication, byte stomps. */
export type Mutation = 'bitflip' | 'truncate' | 'duplicate' | 'stomp' | 'mixed';

/** Seeded, so any failing input can be re-made from (seed, iteration): core's mulberry32. */
export const prng = (seed: number): (() => number) => mulberry32(seed);

const KINDS: readonly Mutation[] = ['bitflip', 'truncate', 'duplicate', 'stomp', 'mixed'];

/** One mutant of `src`, fully determined by `rand`. */
export function mutate(src: Uint8Array, rand: () => number): { kind: Mutation; bytes: Uint8Array } {
  const kind = KINDS[Math.floor(rand() * KINDS.length)]!;
  const int = (n: number) => Math.floor(rand() * n);
  // A plain copy: Buffer#slice returns a view, and mutating it would corrupt the seed file's bytes.
  let b = new Uint8Array(src);
  const steps = kind === 'mixed' ? 2 + int(3) : 1;
  for (let s = 0; s < steps; s++) {
    const k = kind === 'mixed' ? KINDS[int(4)]! : kind;
    if (k === 'bitflip') {
      b = b.slice();
      for (let i = 1 + int(8); i > 0; i--) {
        const p = int(b.length);
        b[p] = b[p]! ^ (1 << int(8));
      }
    } else if (k === 'truncate') {
      b = b.slice(0, int(b.length));
    } else if (k === 'duplicate') {
      const from = int(b.length);
      const len = 1 + int(Math.min(512, b.length - from));
      const at = int(b.length + 1);
      b = new Uint8Array([...b.subarray(0, at), ...b.subarray(from, from + len), ...b.subarray(at)]);
    } else {
      b = b.slice();
      const p = int(b.length);
      const vals = [0x00, 0xff, 0x7f, 0x80];
      for (let i = 0; i < 1 + int(4) && p + i < b.length; i++) b[p + i] = vals[int(vals.length)]!;
    }
  }
  return { kind, bytes: b };
}

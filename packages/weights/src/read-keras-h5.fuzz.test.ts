import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeLegacyH5 } from '@vggscope/synth-weights';
import { FIXTURES, fixture } from '@vggscope/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '@vggscope/core';
import { readKerasH5 } from './read-keras-h5.js';
import { FUZZ_SECONDS, FUZZ_TIMEOUT_MS, mutateBytes, runFuzz, tinyWeights, tmp } from './testdata/hostile.js';

// Seeded fuzzing of the Keras .h5 reader (worker, time budget); see testdata/hostile.ts for
// VGGSCOPE_FUZZ_SECONDS / _SEED. A fatal input (wasm trap, hang) costs a worker restart (~1-2 s),
// so this one runs fewer inputs per second than the others.
const graph = buildGraph('vgg16', { inputSize: [32, 32] });
const BUDGET_MS = 8000;
let good: Uint8Array;
let dir: string;
/** Files to mutate: the tiny official-layout file, plus small real Keras files when the fixtures exist. */
const seeds: { bytes: Uint8Array; hot: number }[] = [];

beforeAll(async () => {
  dir = tmp('h5-fuzz-');
  await writeLegacyH5(join(dir, 'good.h5'), graph, tinyWeights(graph, 1));
  good = readFileSync(join(dir, 'good.h5'));
  // the tiny file's structure (superblock, object headers, B-trees, heaps) is in its first ~2 KB
  seeds.push({ bytes: good, hot: 2048 });
  if (FIXTURES) {
    for (const f of ['12net.h5', 'cnn_tf_model.h5', 'pre_pr22362_nested_container.model.weights.h5']) {
      const bytes = readFileSync(fixture('keras-h5', f));
      seeds.push({ bytes, hot: bytes.length });
    }
  }
  await readKerasH5(join(dir, 'good.h5')); // start the worker outside the measured loop
});

describe('Keras .h5 reader fuzz: only success that validates, or a typed VggError', () => {
  it(
    `byte mutations (tiny file${FIXTURES ? ' and three real Keras files' : '; real Keras files skipped: no ../shared/fixtures'}) for ${FUZZ_SECONDS} s`,
    async () => {
      const tally = await runFuzz(
        'keras h5 bytes',
        async (rand, i) => {
          // A new file each time, deleted 256 inputs later: a file HDF5 failed on gets a fresh worker
          // when read again (same dev:ino, see read-keras-h5.ts), so neither rewriting files in place
          // nor deleting them at once (the inode number comes straight back) would fuzz at speed.
          const p = join(dir, `f${i}.h5`);
          rmSync(join(dir, `f${i - 256}.h5`), { force: true });
          const seed = seeds[Math.floor(rand() * seeds.length)]!;
          writeFileSync(p, rand() < 0.5 ? mutateBytes(seed.bytes, rand, seed.hot) : scatter(seed.bytes, rand));
          const c = await readKerasH5(p, { timeoutMs: BUDGET_MS });
          for (const l of c.layers) {
            for (const w of l.weights) {
              const n = w.shape.reduce((a, b) => a * b, 1);
              if (w.data && w.data.length !== n)
                throw new Error(`accepted ${w.name} with ${w.data.length} values for shape ${w.shape}`);
            }
          }
          if (c.bytesRead > 4_000_000) throw new Error(`read ${c.bytesRead} bytes from a mutated small file`);
          return 'ok';
        },
        10,
      );
      expect(tally.untyped).toEqual([]);
      expect(tally.slowestMs).toBeLessThan(BUDGET_MS + 15_000); // the budget, plus a worker restart on a busy machine
    },
    FUZZ_TIMEOUT_MS,
  );
});

/**
 * 4 to 32 random bytes written over the first 4 KB (or 64 KB) — denser than mutateBytes, and the
 * mode that found HDF5 aborts and hangs (~1 in 2,500 inputs on the real Keras files).
 */
function scatter(src: Uint8Array, rand: () => number): Uint8Array {
  const b = Uint8Array.from(src);
  const region = Math.min(b.length, rand() < 0.5 ? 4096 : 65536);
  const edits = 4 + Math.floor(rand() * 28);
  for (let e = 0; e < edits; e++) b[Math.floor(rand() * region)] = Math.floor(rand() * 256);
  return b;
}

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeLegacyH5 } from '@vggscope/synth-weights';
import { FIXTURES, fixture } from '@vggscope/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../graph.js';
import { readKerasH5 } from './read-keras-h5.js';
import { FUZZ_SECONDS, FUZZ_TIMEOUT_MS, mutateBytes, runFuzz, tinyWeights, tmp } from './test-hostile.js';

// Seeded fuzzing of the Keras .h5 reader (worker, time budget); see test-hostile.ts for
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
  it(`byte mutations (tiny file${FIXTURES ? ' and three real Keras files' : '; real Keras files skipped: no ../shared/fixtures'}) for ${FUZZ_SECONDS} s`, async () => {
    const tally = await runFuzz(
      'keras h5 bytes',
      async (rand, i) => {
        const p = join(dir, `f${i % 4}.h5`);
        const seed = seeds[Math.floor(rand() * seeds.length)]!;
        writeFileSync(p, mutateBytes(seed.bytes, rand, seed.hot));
        const c = await readKerasH5(p, { timeoutMs: BUDGET_MS });
        for (const l of c.layers) {
          for (const w of l.weights) {
            const n = w.shape.reduce((a, b) => a * b, 1);
            if (w.data && w.data.length !== n) throw new Error(`accepted ${w.name} with ${w.data.length} values for shape ${w.shape}`);
          }
        }
        if (c.bytesRead > 4_000_000) throw new Error(`read ${c.bytesRead} bytes from a mutated small file`);
        return 'ok';
      },
      10,
    );
    expect(tally.untyped).toEqual([]);
    expect(tally.slowestMs).toBeLessThan(BUDGET_MS + 15_000); // the budget, plus a worker restart on a busy machine
  }, FUZZ_TIMEOUT_MS);
});

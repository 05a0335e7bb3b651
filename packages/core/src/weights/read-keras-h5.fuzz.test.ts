import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeLegacyH5 } from '@vggscope/synth-weights';
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

beforeAll(async () => {
  dir = tmp('h5-fuzz-');
  await writeLegacyH5(join(dir, 'good.h5'), graph, tinyWeights(graph, 1));
  good = readFileSync(join(dir, 'good.h5'));
  await readKerasH5(join(dir, 'good.h5')); // start the worker outside the measured loop
});

describe('Keras .h5 reader fuzz: only success that validates, or a typed VggError', () => {
  it(`byte mutations for ${FUZZ_SECONDS} s`, async () => {
    const tally = await runFuzz(
      'keras h5 bytes',
      async (rand, i) => {
        const p = join(dir, `f${i % 4}.h5`);
        // the structure (superblock, object headers, B-trees, heaps) is in the first ~2 KB
        writeFileSync(p, mutateBytes(good, rand, 2048));
        const c = await readKerasH5(p, { timeoutMs: BUDGET_MS });
        for (const l of c.layers) {
          for (const w of l.weights) {
            const n = w.shape.reduce((a, b) => a * b, 1);
            if (w.data && w.data.length !== n) throw new Error(`accepted ${w.name} with ${w.data.length} values for shape ${w.shape}`);
          }
        }
        if (c.bytesRead > good.length * 2) throw new Error(`read ${c.bytesRead} bytes from a ~${good.length}-byte file`);
        return 'ok';
      },
      10,
    );
    expect(tally.untyped).toEqual([]);
    expect(tally.slowestMs).toBeLessThan(BUDGET_MS + 15_000); // the budget, plus a worker restart on a busy machine
  }, FUZZ_TIMEOUT_MS);
});

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '@vggscope/core';
import { readPacked, verifyPacked, writePacked } from './packed.js';
import {
  FUZZ_SECONDS,
  FUZZ_SEED,
  FUZZ_TIMEOUT_MS,
  FuzzTally,
  mutateBytes,
  runFuzz,
  tinyWeights,
  tmp,
} from './testdata/hostile.js';
import type { WeightSet } from '@vggscope/core';

// Seeded fuzzing of the packed reader; see testdata/hostile.ts for VGGSCOPE_FUZZ_SECONDS / _SEED.
const graph = buildGraph('vgg16', { inputSize: [32, 32] });
let good: Uint8Array;
let headerEnd: number;
let dir: string;

beforeAll(async () => {
  dir = tmp('packed-fuzz-');
  await writePacked(join(dir, 'good.vggw'), graph, tinyWeights(graph));
  good = readFileSync(join(dir, 'good.vggw'));
  headerEnd = 12 + new DataView(good.buffer, good.byteOffset).getUint32(8, true);
});

/** A successful read must hold what the graph needs, read no more than the file has. */
function validate(w: WeightSet, fileBytes: number): 'ok' {
  for (const layer of graph.layers) {
    const got = w.layers.get(layer.name);
    if (!got) continue;
    layer.weights.forEach((spec, i) => {
      const t = i === 0 ? got.kernel : got.bias;
      const n = spec.shape.reduce((a, b) => a * b, 1);
      if (t.data.length !== n || t.shape.join() !== spec.shape.join())
        throw new Error(`accepted ${layer.name} with ${t.data.length} values, shape ${t.shape}`);
    });
  }
  if (w.bytesRead > fileBytes) throw new Error(`read ${w.bytesRead} bytes from a ${fileBytes}-byte file`);
  return 'ok';
}

async function readAll(bytes: Uint8Array, i: number): Promise<'ok'> {
  const p = join(dir, `f${i % 4}.vggw`);
  writeFileSync(p, bytes);
  await verifyPacked(p).catch(() => undefined); // must not abort or hang either; its throws are checked by readPacked's
  return validate(await readPacked(p, graph), bytes.length);
}

describe('packed reader fuzz: only success that validates, or a typed VggError', () => {
  it(
    `byte mutations (header-biased) for ${FUZZ_SECONDS} s`,
    async () => {
      const tally = await runFuzz('packed bytes', (rand, i) => readAll(mutateBytes(good, rand, headerEnd), i));
      expect(tally.untyped).toEqual([]);
      expect(tally.slowestMs).toBeLessThan(5000);
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    `header fields replaced by arbitrary JSON (fast-check) for ${FUZZ_SECONDS} s`,
    async () => {
      const len = headerEnd - 12;
      const header = JSON.parse(new TextDecoder().decode(good.subarray(12, headerEnd)));
      const fields = leafPaths(header);
      const tally = new FuzzTally();
      const interesting = fc.oneof(
        fc.jsonValue(),
        fc.integer(),
        fc.constantFrom(-1, 0, 2 ** 31, 2 ** 32 - 1, 2 ** 53, 1e308, -0, 0.5, '', null, [], {}),
      );
      let i = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.nat(fields.length - 1), interesting), { minLength: 1, maxLength: 3 }),
          async (edits) => {
            const h = structuredClone(header);
            for (const [f, v] of edits) setPath(h, fields[f]!, structuredClone(v)); // a value shared by two edits could nest in itself
            const json = new TextEncoder().encode(JSON.stringify(h));
            const b = Uint8Array.from(good);
            if (json.length <= len) {
              b.fill(0x20, 12, headerEnd);
              b.set(json, 12);
            }
            const t0 = performance.now();
            tally.record(await readAll(b, i++).catch((e: unknown) => e), performance.now() - t0);
            return true;
          },
        ),
        { seed: FUZZ_SEED, numRuns: 1e9, interruptAfterTimeLimit: FUZZ_SECONDS * 1000, markInterruptAsFailure: false },
      );
      console.log(tally.summary('packed header fields', FUZZ_SEED));
      expect(tally.untyped).toEqual([]);
      expect(tally.iterations).toBeGreaterThan(10);
    },
    FUZZ_TIMEOUT_MS,
  );
});

function leafPaths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [at];
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
  return [at, ...entries.flatMap(([k, x]) => leafPaths(x, [...at, k]))];
}

function setPath(root: any, path: (string | number)[], value: unknown): void {
  if (path.length === 0) return;
  let o = root;
  for (const k of path.slice(0, -1)) {
    if (o === null || typeof o !== 'object') return;
    o = o[k];
  }
  if (o !== null && typeof o === 'object') o[path.at(-1)!] = value;
}

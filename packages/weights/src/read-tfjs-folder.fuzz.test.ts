import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTfjsFolder } from '@vggscope/synth-weights';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '@vggscope/core';
import { readTfjsFolder } from './read-tfjs-folder.js';
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

// Seeded fuzzing of the tfjs reader; see testdata/hostile.ts for VGGSCOPE_FUZZ_SECONDS / _SEED.
const graph = buildGraph('vgg16', { inputSize: [32, 32] });
let base: string;
let manifest: Record<string, any>;
let manifestText: Uint8Array;

beforeAll(async () => {
  base = join(tmp('tfjs-fuzz-'), 'model');
  await writeTfjsFolder(base, graph, tinyWeights(graph));
  manifestText = readFileSync(join(base, 'model.json'));
  manifest = JSON.parse(new TextDecoder().decode(manifestText));
});

/** A successful read holds, for every weight it read, exactly shape-many floats. */
async function readAndValidate(dir: string): Promise<'ok'> {
  const t = await readTfjsFolder(join(dir, 'model.json'));
  for (const l of t.layers) {
    for (const w of l.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (w.data && w.data.length !== n)
        throw new Error(`accepted ${w.name} with ${w.data.length} values for shape ${w.shape}`);
    }
  }
  return 'ok';
}

function freshCopy(i: number): string {
  const dir = join(tmp('tfjs-fuzz-'), `m${i}`);
  cpSync(base, dir, { recursive: true });
  return dir;
}

describe('tfjs reader fuzz: only success that validates, or a typed VggError', () => {
  it(
    `manifest values replaced by arbitrary JSON (fast-check) for ${FUZZ_SECONDS} s`,
    async () => {
      const fields = leafPaths(manifest.weightsManifest).map((p) => ['weightsManifest', ...p]);
      fields.push(['weightsManifest'], []);
      const dir = freshCopy(0);
      const tally = new FuzzTally();
      const interesting = fc.oneof(
        fc.jsonValue(),
        fc.integer(),
        fc.constantFrom(
          -1,
          0,
          2 ** 31,
          2 ** 53,
          1e308,
          0.5,
          '',
          '..',
          '/',
          'model.json',
          '.',
          null,
          [],
          {},
          [null],
          [-1],
          [1e9, 1e9],
        ),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.nat(fields.length - 1), interesting), { minLength: 1, maxLength: 3 }),
          async (edits) => {
            const m = structuredClone(manifest);
            let root: any = m;
            for (const [f, v] of edits) root = setPath(root, fields[f]!, structuredClone(v)); // a value shared by two edits could nest in itself
            writeFileSync(join(dir, 'model.json'), JSON.stringify(root) ?? 'null');
            const t0 = performance.now();
            tally.record(await readAndValidate(dir).catch((e: unknown) => e), performance.now() - t0);
            return true;
          },
        ),
        { seed: FUZZ_SEED, numRuns: 1e9, interruptAfterTimeLimit: FUZZ_SECONDS * 1000, markInterruptAsFailure: false },
      );
      console.log(tally.summary('tfjs manifest values', FUZZ_SEED));
      expect(tally.untyped).toEqual([]);
      expect(tally.slowestMs).toBeLessThan(5000);
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    `model.json bytes and shard lengths mutated for ${FUZZ_SECONDS} s`,
    async () => {
      const dir = freshCopy(1);
      const shard = readFileSync(join(base, 'group1-shard1of1.bin'));
      const tally = await runFuzz('tfjs bytes', async (rand) => {
        writeFileSync(join(dir, 'model.json'), rand() < 0.7 ? mutateBytes(manifestText, rand) : manifestText);
        const cut = rand();
        if (cut < 0.2) rmSync(join(dir, 'group1-shard1of1.bin'), { force: true });
        else
          writeFileSync(
            join(dir, 'group1-shard1of1.bin'),
            cut < 0.6 ? shard : shard.subarray(0, Math.floor(shard.length * rand())),
          );
        return readAndValidate(dir);
      });
      expect(tally.untyped).toEqual([]);
      expect(tally.slowestMs).toBeLessThan(5000);
    },
    FUZZ_TIMEOUT_MS,
  );
});

function leafPaths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [at];
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
  return [at, ...entries.flatMap(([k, x]) => leafPaths(x, [...at, k]))];
}

/** Sets `path` in `root` to `value`; returns the (possibly replaced) root. */
function setPath(root: any, path: (string | number)[], value: unknown): any {
  if (path.length === 0) return value;
  let o = root;
  for (const k of path.slice(0, -1)) {
    if (o === null || typeof o !== 'object') return root;
    o = o[k];
  }
  if (o !== null && typeof o === 'object') o[path.at(-1)!] = value;
  return root;
}

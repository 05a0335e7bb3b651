/**
 * Shared helpers of the hostile-input and fuzz tests of the weight readers (excluded from the build).
 *
 * Fuzz length: each fuzz test runs for `VGGSCOPE_FUZZ_SECONDS` (default 3 s in CI); e.g.
 *   VGGSCOPE_FUZZ_SECONDS=240 VGGSCOPE_FUZZ_SEED=7 npx vitest run packages/weights/src/ -t fuzz
 * runs each reader for four minutes. Every run prints its seed, iterations and outcomes, so a
 * failure is reproduced by re-running with the printed seed.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '@vggscope/synth-weights';
import { expect } from 'vitest';
import { type ErrorCode, VggError } from '@vggscope/core';
import { type VggGraph, weightedLayers } from '@vggscope/core';
import type { LayerWeights, WeightSet } from '@vggscope/core';

export const FUZZ_SECONDS = Number(process.env.VGGSCOPE_FUZZ_SECONDS || 3);
export const FUZZ_SEED = Number(process.env.VGGSCOPE_FUZZ_SEED || Date.now() % 1_000_000);

export const tmp = (prefix = 'hostile-') => mkdtempSync(join(tmpdir(), prefix));

/** Deterministic weights for the first `count` weighted layers only: files of a few hundred KB. */
export function tinyWeights(graph: VggGraph, count = 2): WeightSet {
  const layers = new Map<string, LayerWeights>();
  for (const layer of weightedLayers(graph).slice(0, count)) {
    const [k, b] = layer.weights;
    const fill = (shape: readonly number[], phase: number) =>
      Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, (_, i) => Math.sin(i * 0.37 + phase) * 0.1);
    layers.set(layer.name, {
      kernel: { data: fill(k!.shape, 1), shape: k!.shape },
      bias: { data: fill(b!.shape, 2), shape: b!.shape },
    });
  }
  return { source: 'tiny', format: 'synthetic', layers, unavailable: [], bytesRead: 0 };
}

/**
 * Awaits a failure and checks it is ours: a VggError with one of `codes`, a message without a
 * stack trace, within `budgetMs`. Returns the error for further checks.
 */
export async function expectVggError(
  run: () => Promise<unknown>,
  codes: ErrorCode | readonly ErrorCode[],
  budgetMs = 10_000,
): Promise<VggError> {
  const t0 = performance.now();
  const err = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  const ms = performance.now() - t0;
  expect(err, 'expected a failure').toBeInstanceOf(VggError);
  const e = err as VggError;
  expect([codes].flat()).toContain(e.code);
  expect(e.message).not.toMatch(/\n\s+at /);
  expect(ms).toBeLessThan(budgetMs);
  return e;
}

/** Files in `dir` other than `keep`: what a failed operation left behind. */
export function leftovers(dir: string, keep: readonly string[] = []): string[] {
  return readdirSync(dir).filter((f) => !keep.includes(f));
}

const INTERESTING_U32 = [
  0,
  1,
  0x7f,
  0x80,
  0xff,
  0x7fff,
  0xffff,
  0x7fffffff,
  0x80000000,
  0xfffffffe,
  0xffffffff,
  64,
  4096,
  1 << 20,
];

/**
 * Seeded structural mutation of a file's bytes: bit flips, interesting bytes and u32s, truncation,
 * chunk deletion, duplication and insertion — 1 to 4 edits, biased toward the first `hotBytes`
 * bytes (headers) half of the time.
 */
export function mutateBytes(src: Uint8Array, rand: () => number, hotBytes = src.length): Uint8Array {
  let b: Uint8Array = Uint8Array.from(src);
  const edits = 1 + Math.floor(rand() * 4);
  const pos = (len: number) => Math.floor((rand() < 0.5 ? Math.min(hotBytes, len) : len) * rand());
  for (let e = 0; e < edits; e++) {
    if (b.length === 0) break;
    const op = Math.floor(rand() * 7);
    const p = pos(b.length);
    if (op === 0) b[p] = b[p]! ^ (1 << Math.floor(rand() * 8));
    else if (op === 1) b[p] = [0, 0xff, 0x7f, 0x80, 0x20, 0x22, 0x7b][Math.floor(rand() * 7)]!;
    else if (op === 2 && p + 4 <= b.length)
      new DataView(b.buffer).setUint32(p, INTERESTING_U32[Math.floor(rand() * INTERESTING_U32.length)]!, rand() < 0.5);
    else if (op === 3) b = b.slice(0, p);
    else if (op === 4) {
      const n = Math.min(b.length - p, 1 + Math.floor(rand() * 64));
      b = concat(b.subarray(0, p), b.subarray(p + n));
    } else if (op === 5) {
      const n = Math.min(b.length - p, 1 + Math.floor(rand() * 64));
      b = concat(b.subarray(0, p + n), b.subarray(p, p + n), b.subarray(p + n));
    } else {
      const junk = Uint8Array.from({ length: 1 + Math.floor(rand() * 16) }, () => Math.floor(rand() * 256));
      b = concat(b.subarray(0, p), junk, b.subarray(p));
    }
  }
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Outcome tally of a fuzz run: `ok`, one key per VggError code, `untyped: <message>` otherwise. */
export class FuzzTally {
  readonly counts = new Map<string, number>();
  readonly untyped: string[] = [];
  iterations = 0;
  slowestMs = 0;

  record(outcome: 'ok' | unknown, ms: number): void {
    this.iterations++;
    this.slowestMs = Math.max(this.slowestMs, ms);
    let key: string;
    if (outcome === 'ok') key = 'ok';
    else if (outcome instanceof VggError && !/\n\s+at /.test(outcome.message)) {
      // the typed outcomes of the worst inputs, counted apart: a wasm abort and a time-budget stop
      key = /Aborted\(|stopped \(exit/.test(outcome.message)
        ? `${outcome.code} (wasm abort)`
        : /took longer than/.test(outcome.message)
          ? `${outcome.code} (time budget)`
          : outcome.code;
    } else {
      key = 'untyped';
      if (this.untyped.length < 20)
        this.untyped.push(outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : String(outcome));
    }
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  summary(name: string, seed: number): string {
    const parts = [...this.counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`);
    return `fuzz ${name}: seed ${seed}, ${this.iterations} inputs in ${FUZZ_SECONDS} s budget, slowest ${this.slowestMs.toFixed(0)} ms: ${parts.join(', ')}`;
  }
}

/**
 * Runs `one` on seeded inputs for FUZZ_SECONDS (at least `minIterations`), tallying outcomes.
 * `one` returns 'ok' for a success that passed the caller's validation, or throws; the tally
 * counts VggErrors by code and anything else as untyped. Prints the summary (seed included).
 */
export async function runFuzz(
  name: string,
  one: (rand: () => number, i: number) => Promise<'ok'>,
  minIterations = 20,
): Promise<FuzzTally> {
  const rand = mulberry32(FUZZ_SEED);
  const tally = new FuzzTally();
  const end = performance.now() + FUZZ_SECONDS * 1000;
  for (let i = 0; performance.now() < end || i < minIterations; i++) {
    const t0 = performance.now();
    const outcome = await one(rand, i).catch((e: unknown) => e);
    tally.record(outcome, performance.now() - t0);
  }
  console.log(tally.summary(name, FUZZ_SEED));
  if (process.env.VGGSCOPE_FUZZ_REPORT) {
    const { appendFileSync } = await import('node:fs');
    appendFileSync(
      process.env.VGGSCOPE_FUZZ_REPORT,
      `${JSON.stringify({ name, seed: FUZZ_SEED, seconds: FUZZ_SECONDS, iterations: tally.iterations, slowestMs: Math.round(tally.slowestMs), outcomes: Object.fromEntries(tally.counts), untyped: tally.untyped })}\n`,
    );
  }
  return tally;
}

/** Test timeout for a fuzz test: its budget plus room for a slow machine. */
export const FUZZ_TIMEOUT_MS = FUZZ_SECONDS * 1000 + 120_000;

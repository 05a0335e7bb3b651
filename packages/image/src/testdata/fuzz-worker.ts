import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { isVggError } from '@vggscope/core';
import { decodeImage } from '../decode-image.js';
import { mutate, prng } from './fuzz-mutate.js';

/** Fuzzes `decodeImage` on mutants of the seed files until the time budget is spent. */
export interface FuzzJob { files: string[]; seed: number; budgetMs: number; progress: SharedArrayBuffer }
export interface FuzzReport {
  iterations: number;
  outcomes: Record<string, number>;
  /** Anything but a decoded image or a typed input error: the bugs the fuzzer hunts. */
  failures: { iteration: number; file: string; kind: string; error: string }[];
  slowestMs: number;
}

const job = workerData as FuzzJob;
const seeds = job.files.map((f) => readFileSync(f));
const rand = prng(job.seed);
const progress = new Int32Array(job.progress);
const report: FuzzReport = { iterations: 0, outcomes: {}, failures: [], slowestMs: 0 };
const end = performance.now() + job.budgetMs;
while (performance.now() < end) {
  const i = report.iterations++;
  const fileIdx = Math.floor(rand() * seeds.length);
  const { kind, bytes } = mutate(seeds[fileIdx]!, rand);
  Atomics.store(progress, 0, i + 1);
  const t0 = performance.now();
  let outcome: string;
  try {
    const img = decodeImage(bytes, 'fuzz', { maxPixels: 4_000_000 });
    if (img.data.length !== img.width * img.height * 3) throw new Error(`inconsistent image ${img.width}×${img.height}, ${img.data.length} bytes`);
    outcome = 'decoded';
  } catch (e) {
    if (isVggError(e, 'E_IMAGE_DECODE') || isVggError(e, 'E_IMAGE_TOO_LARGE')) outcome = e.code;
    else {
      outcome = 'FAILURE';
      if (report.failures.length < 20) report.failures.push({ iteration: i, file: job.files[fileIdx]!, kind, error: String((e as Error)?.stack ?? e) });
    }
  }
  report.slowestMs = Math.max(report.slowestMs, performance.now() - t0);
  report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
}
parentPort!.postMessage(report);

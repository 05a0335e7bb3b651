import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { FuzzJob, FuzzReport } from './testdata/fuzz-worker.js';

// Seeded mutation fuzzing of every decoder (bit flips, truncation, chunk duplication, byte stomps):
// every mutant must decode or fail with a typed E_IMAGE_DECODE / E_IMAGE_TOO_LARGE, never a stack
// trace, a wasm trap or a hang. A few seconds in CI; VGGSCOPE_FUZZ_SECONDS=300 runs each decoder
// for 5 minutes, VGGSCOPE_FUZZ_SEED picks another sequence. Runs in a worker so a hang can be
// detected and the worker killed.
const SECONDS = Number(process.env.VGGSCOPE_FUZZ_SECONDS ?? 0.5);
const SEED = Number(process.env.VGGSCOPE_FUZZ_SEED ?? 20261128);
const HANG_MS = 10_000;
const data = (f: string) => join(import.meta.dirname, 'testdata', f);

const CORPORA: Record<string, string[]> = {
  JPEG: ['seed-420.jpg', 'seed-progressive.jpg', 'seed-cmyk.jpg', 'restart_420_83x57.jpg'],
  PNG: [
    'seed.png',
    'seed-palette.png',
    'corpus/png_ct0_d16_adam7.png',
    'corpus/apng_ok.png',
    'corpus/png_ct3_d2.png',
    'corpus/png_stream_rowend_adam7.png',
  ],
  GIF: ['seed.gif'],
  BMP: ['seed.bmp', 'seed-palette.bmp', 'seed-rle8.bmp', 'seed-rle4.bmp'],
  WebP: ['seed-lossy.webp', 'seed-lossless.webp'],
  TIFF: [
    'seed-lzw.tif',
    'seed-deflate.tif',
    'corpus/tiffcp_rgb_planar_tiled_lzw.tif',
    'corpus/tiff_I16_tiff_lzw.tif',
    'corpus/tiff_F32_raw.tif',
    'corpus/tiffcp_rgb_bigtiff.tif',
    'corpus/tiff_1_packbits.tif',
    'corpus/tiffcp_I16_pred2.tif',
    'corpus/tiff_RGB_jpeg.tif',
    'corpus/tiff_CMYK_jpeg.tif',
    'corpus/tiffcp_dither_g4.tif',
    'corpus/tiff_YCbCr_tiff_lzw.tif',
    'corpus/tiffcp_dither_g3_2d_fill.tif',
    'corpus/tiff_lab_fixed_lzw.tif',
    'corpus/tiffcp_lab_planar_lzw.tif',
  ],
};

function runFuzz(files: string[], seed: number): Promise<FuzzReport> {
  const progress = new SharedArrayBuffer(4);
  const job: FuzzJob = { files: files.map(data), seed, budgetMs: SECONDS * 1000, progress };
  // Node 20 does not apply `--import tsx` hooks to a worker's entry file: register tsx inside it.
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(data('fuzz-worker.ts')).href)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: job });
  return new Promise((resolve, reject) => {
    let last = -1;
    const watchdog = setInterval(() => {
      const now = Atomics.load(new Int32Array(progress), 0);
      if (now === last && now > 0) {
        clearInterval(watchdog);
        void worker.terminate();
        reject(
          new Error(
            `decoder hung on iteration ${now - 1} (seed ${seed}); re-make the input with mutate() from that seed`,
          ),
        );
      }
      last = now;
    }, HANG_MS);
    worker.once('message', (r: FuzzReport) => {
      clearInterval(watchdog);
      void worker.terminate();
      resolve(r);
    });
    worker.once('error', (e) => {
      clearInterval(watchdog);
      reject(e);
    });
  });
}

describe(`decoder fuzzing (${SECONDS} s per format, seed ${SEED})`, () => {
  it.each(Object.entries(CORPORA))(
    '%s: every mutant decodes or fails with a typed error',
    async (format, files) => {
      const report = await runFuzz(files, SEED + format.length * 7919 + format.charCodeAt(0));
      console.log(
        `fuzz ${format}: ${report.iterations} iterations, ${JSON.stringify(report.outcomes)}, slowest ${report.slowestMs.toFixed(1)} ms`,
      );
      expect(report.failures).toEqual([]);
      expect(report.iterations).toBeGreaterThan(10);
    },
    SECONDS * 1000 + 60_000,
  );
});

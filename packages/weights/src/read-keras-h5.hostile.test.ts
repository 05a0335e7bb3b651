import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLegacyH5 } from '@vggscope/synth-weights';
import { FIXTURES, HDF5_LOOP_EDITS, NO_FIXTURES_REASON, fixture, synthH5 } from '@vggscope/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '@vggscope/core';
import { loadWeights } from './load-weights.js';
import { parseBudgetMs, readKerasH5 } from './read-keras-h5.js';
import { expectVggError, tinyWeights, tmp } from './testdata/hostile.js';

const graph = buildGraph('vgg16', { inputSize: [32, 32] });
let good: Uint8Array;
let goodPath: string;

beforeAll(async () => {
  goodPath = join(tmp('h5-hostile-'), 'tiny.h5');
  await writeLegacyH5(goodPath, graph, tinyWeights(graph, 1));
  good = readFileSync(goodPath);
});

function save(bytes: Uint8Array, name = 'x.h5'): string {
  const p = join(tmp('h5-hostile-'), name);
  writeFileSync(p, bytes);
  return p;
}

/**
 * A legacy-layout file whose block1_conv1 kernel is chunked and resized to `dims` without writing
 * the new chunks: a few KB on disk, declaring as much as `dims` says (HDF5 allows exactly that).
 */
async function declaringKernel(dims: number[]): Promise<string> {
  const h5wasm = (await import('h5wasm/node')).default;
  await h5wasm.ready;
  const path = join(tmp('h5-hostile-'), 'declares.h5');
  const f = new h5wasm.File(path, 'w');
  try {
    f.create_attribute('layer_names', ['block1_conv1'], [1], 'A12');
    const g = f.create_group('block1_conv1');
    const wn = ['block1_conv1_W_1:0', 'block1_conv1_b_1:0'];
    g.create_attribute('weight_names', wn, [2], 'A18');
    const k = g.create_dataset({
      name: wn[0]!,
      data: new Float32Array(1728),
      shape: [3, 3, 3, 64],
      maxshape: [3, 3, 3, null],
      chunks: [3, 3, 3, 64],
      dtype: '<f',
    });
    k.resize(dims);
    g.create_dataset({ name: wn[1]!, data: new Float32Array(64), shape: [64], dtype: '<f' });
  } finally {
    f.close();
  }
  return path;
}

describe('Keras .h5: hostile files → E_WEIGHTS_FORMAT naming the file, never a hang, abort or dump', () => {
  it('the tiny file reads (one layer, ~7 KB of data)', async () => {
    const c = await readKerasH5(goodPath);
    expect(c.layers[0]!.weights[0]!.shape).toEqual([3, 3, 3, 64]);
    expect(c.bytesRead).toBe((1728 + 64) * 4);
  });

  it.each([100, 512, 800, 2048, 4000])('truncated to %i bytes', async (n) => {
    const p = save(good.subarray(0, n));
    const e = await expectVggError(() => readKerasH5(p), 'E_WEIGHTS_FORMAT', 30_000);
    expect(e.message).toContain(p);
    expect(e.message).not.toMatch(/HDF5-DIAG|#\d{3}:/);
    expect(e.message.split('\n')).toHaveLength(1);
  });

  it('a 3 KB file declaring a (3, 3, 3, 1e8) dataset: refused from its metadata, nothing allocated', async () => {
    const p = await declaringKernel([3, 3, 3, 100_000_000]);
    expect(statSync(p).size).toBeLessThan(20_000);
    const rss0 = process.memoryUsage().rss;
    const e = await expectVggError(() => readKerasH5(p), 'E_WEIGHTS_FORMAT', 30_000);
    expect(e.message).toMatch(
      /weight 'block1_conv1\/block1_conv1_W_1:0' declares shape \(3, 3, 3, 100000000\) = 10\.8 GB, more than the whole .* file can hold/,
    );
    expect(process.memoryUsage().rss - rss0).toBeLessThan(200 * 2 ** 20);
  });

  it('a dataset larger than the per-tensor limit is refused even when the file could hold it', async () => {
    const e = await expectVggError(() => readKerasH5(goodPath, { maxDatasetBytes: 1000 }), 'E_WEIGHTS_FORMAT');
    expect(e.message).toMatch(/declares shape \(3, 3, 3, 64\) = 6\.9 KB, more than the 1\.0 KB allowed per tensor/);
  });

  it('a (3, 3, 3, 2^40) dataset is refused the same way', async () => {
    const e = await expectVggError(
      async () => readKerasH5(await declaringKernel([3, 3, 3, 2 ** 40])),
      'E_WEIGHTS_FORMAT',
      30_000,
    );
    expect(e.message).toMatch(/declares shape \(3, 3, 3, 1099511627776\) = 118\d{3}\.\d GB/);
  });

  it('a corrupt object header names what HDF5 found, in one line', async () => {
    const b = Uint8Array.from(good);
    const at = Buffer.from(b).indexOf('OHDR', 200);
    b[at + 12]! ^= 0xff;
    const e = await expectVggError(() => readKerasH5(save(b)), 'E_WEIGHTS_FORMAT', 30_000);
    expect(e.message).toMatch(/HDF5: .*checksum|HDF5: .*(header|signature)/);
  });

  it('past the time budget: the worker is stopped, a typed error, and the next read works', async () => {
    // A real-width file (56 MB of tensors) cannot be read within 1 ms; the tiny one sometimes was (a flaky race).
    const big = await synthH5('vgg16');
    const e = await expectVggError(() => readKerasH5(big, { timeoutMs: 1 }), 'E_WEIGHTS_FORMAT', 5000);
    expect(e.message).toMatch(/took longer than 0.0 s and was stopped/);
    await expect(readKerasH5(goodPath)).resolves.toMatchObject({ layout: 'keras-legacy' });
  });

  it('not HDF5 at all, or a folder → E_WEIGHTS_FORMAT', async () => {
    await expectVggError(() => readKerasH5(save(new TextEncoder().encode('hello'))), 'E_WEIGHTS_FORMAT', 30_000);
    await expectVggError(() => readKerasH5(tmp()), 'E_WEIGHTS_FORMAT');
  });

  it('in-process mode maps HDF5 failures the same way', async () => {
    const e = await expectVggError(
      () => readKerasH5(save(good.subarray(0, 800)), { inProcess: true }),
      'E_WEIGHTS_FORMAT',
      30_000,
    );
    expect(e.message).not.toMatch(/HDF5-DIAG/);
  });

  it('through loadWeights too (sniffed as HDF5 by its signature)', async () => {
    await expectVggError(() => loadWeights(save(good.subarray(0, 2048)), graph), 'E_WEIGHTS_FORMAT', 30_000);
  });

  it('nothing reaches stderr: a separate process reading a truncated file prints no HDF5-DIAG dump', () => {
    const p = save(good.subarray(0, 800));
    const script = `
      const { readKerasH5 } = await import(${JSON.stringify(new URL('./read-keras-h5.ts', import.meta.url).href)});
      await readKerasH5(${JSON.stringify(p)}).then(() => console.log('no error'), (e) => console.log(e.code, e.message.split('\\n').length));`;
    const file = join(tmp(), 'read.mjs');
    writeFileSync(file, script);
    const tsx = fileURLToPath(import.meta.resolve('tsx/cli'));
    const r = spawnSync(process.execPath, [tsx, '--conditions=@vggscope/source', file], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stdout.trim()).toBe('E_WEIGHTS_FORMAT 1');
    expect(r.stderr).toBe('');
  });
});

/** A real Keras file with bytes overwritten at (offset, value) pairs: inputs a fuzz run found. */
function edited(name: string, edits: readonly (readonly [number, number])[]): string {
  const b = Uint8Array.from(readFileSync(fixture('keras-h5', name)));
  for (const [at, v] of edits) b[at] = v;
  return save(b, name);
}

describe.skipIf(!FIXTURES)(
  `Keras .h5: inputs that made HDF5 abort or hang${FIXTURES ? '' : ` (skipped: ${NO_FIXTURES_REASON})`}`,
  () => {
    // Found by the dense-scatter fuzz mode on a Keras 3 file; both reproduce in a fresh worker.
    it('abort() inside wasm → E_WEIGHTS_FORMAT, the worker is replaced, the next read works', async () => {
      const p = edited('pre_pr22362_nested_container.model.weights.h5', [
        [1908, 233],
        [933, 230],
        [1717, 239],
        [1122, 162],
        [1499, 87],
        [515, 179],
        [420, 93],
        [2697, 64],
        [3899, 206],
        [2057, 129],
        [3875, 186],
        [2208, 175],
      ]);
      const e = await expectVggError(() => readKerasH5(p), 'E_WEIGHTS_FORMAT', 30_000);
      expect(e.message).toMatch(/\(HDF5: Aborted\(native code called abort\(\)\)\)/);
      await expect(readKerasH5(fixture('keras-h5', '12net.h5'))).resolves.toMatchObject({ layout: 'keras-legacy' });
    });

    it('a file HDF5 loops on → stopped at the time budget with E_WEIGHTS_FORMAT', async () => {
      const p = edited('pre_pr22362_nested_container.model.weights.h5', HDF5_LOOP_EDITS);
      const e = await expectVggError(() => readKerasH5(p, { timeoutMs: 3000 }), 'E_WEIGHTS_FORMAT', 20_000);
      expect(e.message).toMatch(/took longer than 3.0 s and was stopped/);
      await expect(readKerasH5(fixture('keras-h5', '12net.h5'))).resolves.toMatchObject({ layout: 'keras-legacy' });
      // The default budget scales with the file: this small file gets about a second of parsing
      // (more on a loaded machine), not 30 s; a fresh worker's start-up is not counted against it.
      const t0 = performance.now();
      const d = await expectVggError(() => readKerasH5(p), 'E_WEIGHTS_FORMAT', 60_000);
      const budget = Number(/took longer than ([\d.]+) s and was stopped/.exec(d.message)?.[1]);
      expect(budget).toBeGreaterThanOrEqual(1); // parseBudgetMs(4 KB, this worker's start-up): see below
      expect(performance.now() - t0).toBeLessThan(budget * 1000 + 15_000); // plus a worker restart
    });

    it('the default parse budget: 1 s (or 3× the h5wasm start-up) plus 1 s per 10 MB', () => {
      expect(parseBudgetMs(20_000)).toBe(1002);
      expect(parseBudgetMs(20_000, 200)).toBe(1002); // a quiet machine: the 1 s floor
      expect(parseBudgetMs(20_000, 650)).toBe(1952); // start-up slowed by load: more time
      expect(parseBudgetMs(58_889_256)).toBe(6889); // the official VGG16 no-top file
      expect(parseBudgetMs(553_467_096)).toBe(56_347); // with the top
    });
  },
);

import { cpSync, mkdtempSync, readFileSync, readdirSync, truncateSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGraph, type LayerWeights, type WeightSet, weightedLayers } from '@vggscope/core';
import { writePacked } from '@vggscope/weights';
import { writeLegacyH5, writeTfjsFolder } from '@vggscope/synth-weights';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from './testdata/test-cli.js';

// The weight readers' hostile cases end to end: the real CLI in a child process, so the exit
// status, what reaches stderr and what is left on disk are the user's.
const tmp = () => mkdtempSync(join(tmpdir(), 'weights-hostile-cli-'));
const graph = buildGraph('vgg16', { inputSize: [32, 32] });
let dir: string;

/** block1_conv1 and block1_conv2 only: files of ~150 KB. */
function tiny(): WeightSet {
  const layers = new Map<string, LayerWeights>();
  for (const layer of weightedLayers(graph).slice(0, 2)) {
    const [k, b] = layer.weights;
    const fill = (shape: readonly number[]) =>
      Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, (_, i) => Math.sin(i) * 0.1);
    layers.set(layer.name, {
      kernel: { data: fill(k!.shape), shape: k!.shape },
      bias: { data: fill(b!.shape), shape: b!.shape },
    });
  }
  return { source: 'tiny', format: 'synthetic', layers, unavailable: [], bytesRead: 0 };
}

beforeAll(async () => {
  dir = tmp();
  await writePacked(join(dir, 'tiny.vggw'), graph, tiny());
  await writeTfjsFolder(join(dir, 'tfjs'), graph, tiny());
  await writeLegacyH5(join(dir, 'tiny.h5'), graph, tiny());
});

/** Runs extract on hostile weights: exit 4, one `error [CODE]` line, no stack, nothing written. */
function expectRefused(weights: string, code: string, message: RegExp): void {
  const out = join(tmp(), 'features');
  const t0 = Date.now();
  const r = spawnCli(['extract', '--weights', weights, '--layer', 'block1_conv2', '--size', '32x32', '--out', out]);
  expect(Date.now() - t0).toBeLessThan(60_000);
  expect(r.err).toMatch(new RegExp(`error \\[${code}\\]: `));
  expect(r.err).toMatch(message);
  expect(r.err).not.toMatch(/\n\s+at |HDF5-DIAG|internal error/);
  expect(r.code).toBe(4);
  expect(existsSync(out) ? readdirSync(out, { recursive: true }) : []).toEqual([]);
}

describe('cli extract on hostile weight files → exit 4, a typed one-line error, nothing written', () => {
  // (The tiny .h5 lists every VGG16 layer, most with no weights, which the graph match refuses;
  // only its truncated form is used below, where the reader fails first.)
  it('the tiny packed file and tfjs folder themselves work (exit 0)', () => {
    for (const w of ['tiny.vggw', 'tfjs']) {
      const r = spawnCli([
        'extract',
        '--weights',
        join(dir, w),
        '--layer',
        'block1_conv2',
        '--size',
        '32x32',
        '--out',
        join(tmp(), 'f'),
      ]);
      expect(r.code, `${w}: ${r.err}`).toBe(0);
    }
  });

  it.each([2 ** 31, 0xffffffff])('packed header length %i (was a native abort)', (len) => {
    const b = readFileSync(join(dir, 'tiny.vggw'));
    b.writeUInt32LE(len, 8);
    const p = join(tmp(), 'bad.vggw');
    writeFileSync(p, b);
    expectRefused(p, 'E_WEIGHTS_FORMAT', /packed header length \d+ does not fit/);
  });

  it('packed file with a flipped mantissa bit (was exit 0 with wrong features)', () => {
    const b = readFileSync(join(dir, 'tiny.vggw'));
    b[b.length - 4000] = b[b.length - 4000]! ^ 0x01;
    const p = join(tmp(), 'flipped.vggw');
    writeFileSync(p, b);
    expectRefused(p, 'E_WEIGHTS_CHECKSUM', /block1_conv2\/kernel does not match its CRC-32/);
  });

  it('tfjs shard 4 bytes short (was exit 0 with wrong features)', () => {
    const d = join(tmp(), 'tfjs');
    cpSync(join(dir, 'tfjs'), d, { recursive: true });
    const shard = join(d, 'group1-shard1of1.bin');
    truncateSync(shard, readFileSync(shard).length - 4);
    expectRefused(
      d,
      'E_WEIGHTS_FORMAT',
      /shard 'group1-shard1of1\.bin' is \d+ bytes, but the manifest's weights need \d+/,
    );
  });

  it('tfjs manifest with paths that are not an array (was an untyped TypeError)', () => {
    const d = join(tmp(), 'tfjs');
    cpSync(join(dir, 'tfjs'), d, { recursive: true });
    const json = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
    json.weightsManifest[0].paths = 7;
    writeFileSync(join(d, 'model.json'), JSON.stringify(json));
    expectRefused(d, 'E_WEIGHTS_FORMAT', /weightsManifest\[0\]\.paths is 7/);
  });

  it('truncated .h5 (was a 53-line HDF5-DIAG dump and exit 1)', () => {
    const p = join(tmp(), 'cut.h5');
    writeFileSync(p, readFileSync(join(dir, 'tiny.h5')).subarray(0, 3000));
    expectRefused(p, 'E_WEIGHTS_FORMAT', /is not a readable Keras HDF5 weights file \(HDF5: /);
  });
});

import {
  mkdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  appendFileSync,
  cpSync,
  readdirSync,
} from 'node:fs';
import { join } from 'node:path';
import { writeTfjsFolder } from '@vggscope/synth-weights';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '@vggscope/core';
import { loadWeights } from './load-weights.js';
import { readTfjsFolder } from './read-tfjs-folder.js';
import { expectVggError, tinyWeights, tmp } from './testdata/hostile.js';

const graph = buildGraph('vgg16', { inputSize: [32, 32] });
let base: string;
const SHARD = 'group1-shard1of1.bin';
const NEED = (1728 + 64 + 36864 + 64) * 4;

beforeAll(async () => {
  base = join(tmp('tfjs-hostile-'), 'model');
  await writeTfjsFolder(base, graph, tinyWeights(graph));
});

/** A copy of the tiny folder, optionally with its model.json edited (or replaced: return `{ whole }`). */
function copy(edit?: (json: Record<string, any>) => unknown): string {
  const dir = join(tmp('tfjs-hostile-'), 'model');
  cpSync(base, dir, { recursive: true });
  if (edit) {
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const replaced = edit(json) as { whole?: unknown } | undefined;
    writeFileSync(
      join(dir, 'model.json'),
      JSON.stringify(replaced && typeof replaced === 'object' && 'whole' in replaced ? replaced.whole : json),
    );
  }
  return dir;
}

describe('tfjs folder: shard lengths are checked against the manifest before use', () => {
  it('the tiny folder reads back (one shard holding exactly the weights)', async () => {
    expect(readdirSync(base).sort()).toEqual([SHARD, 'model.json']);
    const w = await loadWeights(base, graph);
    expect([...w.layers.keys()]).toEqual(['block1_conv1', 'block1_conv2']);
    expect(w.bytesRead).toBe(NEED);
  });

  it.each([
    ['4 bytes short', -4],
    ['4 bytes long', 4],
  ])('a shard %s → E_WEIGHTS_FORMAT naming the shard and both lengths', async (_label, delta) => {
    const dir = copy();
    if (delta < 0) truncateSync(join(dir, SHARD), NEED + delta);
    else appendFileSync(join(dir, SHARD), Buffer.alloc(delta));
    const e = await expectVggError(() => loadWeights(dir, graph), 'E_WEIGHTS_FORMAT', 3000);
    expect(e.message).toContain(`shard '${SHARD}' is ${NEED + delta} bytes, but the manifest's weights need ${NEED}`);
    // even when only the first layer (entirely inside the good part) is requested
    await expectVggError(() => readTfjsFolder(join(dir, 'model.json'), new Set(['block1_conv1'])), 'E_WEIGHTS_FORMAT');
  });

  it('two shards, the last one short → names the last shard and the length it should have', async () => {
    const dir = copy((j) => (j.weightsManifest[0].paths = ['a.bin', 'b.bin']));
    const all = readFileSync(join(dir, SHARD));
    writeFileSync(join(dir, 'a.bin'), all.subarray(0, 50_000));
    writeFileSync(join(dir, 'b.bin'), all.subarray(50_000, all.length - 8));
    const e = await expectVggError(() => loadWeights(dir, graph), 'E_WEIGHTS_FORMAT');
    expect(e.message).toContain(
      `shard 'b.bin' is ${NEED - 50_008} bytes, but the manifest's weights need ${NEED - 50_000}`,
    );
    writeFileSync(join(dir, 'b.bin'), all.subarray(50_000)); // and when right, it reads across the boundary
    await expect(loadWeights(dir, graph)).resolves.toMatchObject({ bytesRead: NEED });
  });

  it('a partial folder (absent shard) is still allowed, but a present shard larger than the group is not', async () => {
    const dir = copy((j) => (j.weightsManifest[0].paths = ['a.bin', 'b.bin']));
    const all = readFileSync(join(dir, SHARD));
    writeFileSync(join(dir, 'a.bin'), all.subarray(0, (1728 + 64) * 4));
    const w = await loadWeights(dir, graph);
    expect([...w.layers.keys()]).toEqual(['block1_conv1']);
    expect(w.unavailable).toEqual(['block1_conv2']);
    writeFileSync(join(dir, 'a.bin'), Buffer.concat([all, Buffer.alloc(4)]));
    await expectVggError(() => loadWeights(dir, graph), 'E_WEIGHTS_FORMAT');
  });

  it('a shard that is a folder → E_WEIGHTS_FORMAT (not EISDIR)', async () => {
    const dir = copy();
    rmSync(join(dir, SHARD));
    mkdirSync(join(dir, SHARD));
    const e = await expectVggError(() => loadWeights(dir, graph), 'E_WEIGHTS_FORMAT');
    expect(e.message).toContain(`shard '${SHARD}' is not a file`);
  });

  it('model.json that is a folder → E_WEIGHTS_FORMAT', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'model.json'));
    await expectVggError(() => readTfjsFolder(join(dir, 'model.json')), 'E_WEIGHTS_FORMAT');
  });
});

describe('tfjs model.json: the manifest structure is validated before use', () => {
  it.each<[string, (j: Record<string, any>) => unknown, RegExp]>([
    ['no weightsManifest', (j) => delete j.weightsManifest, /weightsManifest is undefined, expected an array/],
    ['JSON that is an array', () => ({ whole: [1, 2] }), /the file is not a JSON object/],
    ['JSON null', () => ({ whole: null }), /the file is not a JSON object/],
    ['paths not iterable', (j) => (j.weightsManifest[0].paths = 5), /weightsManifest\[0\]\.paths is 5/],
    [
      'a path leaving the folder',
      (j) => (j.weightsManifest[0].paths = ['../../etc/passwd']),
      /points outside the model folder/,
    ],
    ['an absolute path', (j) => (j.weightsManifest[0].paths = ['/etc/passwd']), /points outside the model folder/],
    [
      'shape a string',
      (j) => (j.weightsManifest[0].weights[0].shape = '3,3'),
      /weights\[0\]\.shape \(block1_conv1\/kernel\) is "3,3"/,
    ],
    [
      'negative dimension',
      (j) => (j.weightsManifest[0].weights[0].shape = [3, -3, 3, 64]),
      /shape .* is \[3,-3,3,64\]/,
    ],
    ['fractional dimension', (j) => (j.weightsManifest[0].weights[0].shape = [3, 1.5]), /is \[3,1.5\]/],
    ['a 2^60 element shape', (j) => (j.weightsManifest[0].weights[0].shape = [2 ** 30, 2 ** 30]), /is too large/],
    [
      'int32 dtype',
      (j) => (j.weightsManifest[0].weights[0].dtype = 'int32'),
      /dtype \(block1_conv1\/kernel\) is "int32"; only float32/,
    ],
    ['bad quantization', (j) => (j.weightsManifest[0].weights[0].quantization = { dtype: 'int4' }), /quantization is/],
    [
      'NaN scale',
      (j) => (j.weightsManifest[0].weights[0].quantization = { dtype: 'uint8', scale: 'x' }),
      /quantization\.scale is "x"/,
    ],
    ['weights not an array', (j) => (j.weightsManifest[0].weights = {}), /weights is \{\}, expected an array/],
    ['weight name missing', (j) => delete j.weightsManifest[0].weights[1].name, /weights\[1\]\.name is undefined/],
    ['weights but no paths', (j) => (j.weightsManifest[0].paths = []), /paths is empty, but the group lists weights/],
  ])('%s → E_WEIGHTS_FORMAT naming the field', async (_label, edit, message) => {
    const dir = copy(edit);
    const e = await expectVggError(() => loadWeights(dir, graph), 'E_WEIGHTS_FORMAT', 3000);
    expect(e.message).toMatch(message);
    expect(e.message).toContain(join(dir, 'model.json'));
  });

  it('not JSON at all → E_WEIGHTS_FORMAT', async () => {
    const dir = copy();
    writeFileSync(join(dir, 'model.json'), '{"weightsManifest": [');
    await expectVggError(() => loadWeights(dir, graph), 'E_WEIGHTS_FORMAT');
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthWeights, writeLegacyH5 } from '@vggscope/synth-weights';
import { FIXTURES, fixture, synthH5 } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '@vggscope/core';
import { loadWeights } from './load-weights.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'weights-'));

describe('loadWeights', () => {
  it('validates every layer: a wrong kernel shape names layer, expected and actual', async () => {
    const g = buildGraph('vgg16');
    const w = synthWeights(g, 3);
    const bad = new Map(w.layers);
    const b = bad.get('block2_conv2')!;
    bad.set('block2_conv2', {
      kernel: { data: new Float32Array(3 * 3 * 128 * 64), shape: [3, 3, 128, 64] },
      bias: b.bias,
    });
    const file = join(tmp(), 'bad.h5');
    await writeLegacyH5(file, g, { ...w, layers: bad });
    await expect(loadWeights(file, g)).rejects.toMatchObject({
      code: 'E_WEIGHTS_SHAPE',
      message: expect.stringMatching(
        /layer 'block2_conv2' kernel should be \(3, 3, 128, 128\) for vgg16, but the file has \(3, 3, 128, 64\)/,
      ),
    });
  });

  it('`only` loads just the layers asked for', async () => {
    const w = await loadWeights(await synthH5('vgg16'), buildGraph('vgg16'), {
      only: new Set(['block1_conv1', 'block1_conv2']),
    });
    expect([...w.layers.keys()]).toEqual(['block1_conv1', 'block1_conv2']);
    expect(w.bytesRead).toBe((1728 + 64 + 36864 + 64) * 4);
  });

  it('a missing path → E_WEIGHTS_NOT_FOUND saying what to give', async () => {
    await expect(loadWeights('/nope/vgg16.h5', buildGraph('vgg16'))).rejects.toMatchObject({
      code: 'E_WEIGHTS_NOT_FOUND',
      message: expect.stringContaining(
        "weights '/nope/vgg16.h5' not found (give a Keras .h5 file or a tfjs model folder)",
      ),
    });
  });

  it('a file of another kind → E_WEIGHTS_FORMAT with its first bytes', async () => {
    const file = join(tmp(), 'w.bin');
    writeFileSync(file, 'not weights at all');
    await expect(loadWeights(file, buildGraph('vgg16'))).rejects.toMatchObject({
      code: 'E_WEIGHTS_FORMAT',
      message: expect.stringContaining('first bytes: 6e 6f 74'),
    });
  });

  it('a folder without model.json → E_WEIGHTS_FORMAT', async () => {
    await expect(loadWeights(tmp(), buildGraph('vgg16'))).rejects.toMatchObject({
      code: 'E_WEIGHTS_FORMAT',
      message: expect.stringContaining('has no model.json'),
    });
  });

  it.skipIf(!FIXTURES)('Keras weights of another network → E_WEIGHTS_FORMAT listing what the file has', async () => {
    await expect(loadWeights(fixture('keras-h5', 'mnist_weights_only.h5'), buildGraph('vgg16'))).rejects.toMatchObject({
      code: 'E_WEIGHTS_FORMAT',
      message: expect.stringContaining('no vgg16 layer found; the file has weights for conv2d, conv2d_1, dense'),
    });
  });
});

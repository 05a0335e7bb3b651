import { buildGraph, loadWeights, stats } from '@vggscope/core';
import { join } from 'node:path';
import { FIXTURES, NO_FIXTURES_REASON, REPO_ROOT, fixture, relativeL2, skipNote, synthH5 } from '@vggscope/test-utils';
import { kerasReference } from '@vggscope/test-utils/keras-reference';
import { describe, expect, it } from 'vitest';
import { loadVgg } from './load-vgg.js';

describe('loadVgg', () => {
  it('extracts several layers from an image path in one pass, Keras shapes', async () => {
    const m = await loadVgg({ model: 'vgg16', weights: await synthH5('vgg16') });
    const seen: string[] = [];
    const out = await m.extract(join(REPO_ROOT, 'packages/cli/assets/chelsea.png'), {
      layers: ['block5_pool', 'block1_conv1', 14],
      onLayer: (l) => seen.push(l),
    });
    m.dispose();
    expect(out.map((o) => [o.layer, o.shape])).toEqual([
      ['block5_pool', [1, 7, 7, 512]],
      ['block1_conv1', [1, 224, 224, 64]],
      ['block4_pool', [1, 14, 14, 512]],
    ]);
    expect(seen.at(-1)).toBe('block5_pool');
    expect(seen).toHaveLength(18);
  });

  it('`layers` loads only the weights those outputs need', async () => {
    const m = await loadVgg({ model: 'vgg16', weights: await synthH5('vgg16'), layers: ['block2_pool'] });
    expect(m.weights.layers).toEqual(['block1_conv1', 'block1_conv2', 'block2_conv1', 'block2_conv2']);
    expect(m.weights.bytesRead).toBe((1728 + 64 + 36864 + 64 + 73728 + 128 + 147456 + 128) * 4);
    await expect(m.extract({ data: new Float32Array(224 * 224 * 3), shape: [1, 224, 224, 3] }, { layers: ['block3_conv1'] })).rejects.toMatchObject({
      code: 'E_WEIGHTS_MISSING',
    });
    m.dispose();
  });

  it('rejects an image of the wrong size and use after dispose, saying what to do', async () => {
    const m = await loadVgg({ model: 'vgg16', weights: await synthH5('vgg16'), layers: ['block1_conv1'] });
    const img = { width: 10, height: 10, data: new Uint8Array(300) };
    await expect(m.extract(img)).rejects.toMatchObject({ code: 'E_INPUT_SHAPE', message: expect.stringContaining('image is 10×10 but the model input is 224×224') });
    m.dispose();
    await expect(m.extract(img)).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('call loadVgg again') });
  });
});

describe.skipIf(!FIXTURES)(`real ImageNet VGG19 weights (partial tfjs folder)${skipNote(!FIXTURES, NO_FIXTURES_REASON)}`, () => {
  it('block3_pool of a fixture photo equals the tfjs-layers Keras reference (wasm, 224×224)', async () => {
    const dir = fixture('vgg19-tfjs-partial');
    const graph = buildGraph('vgg19');
    const m = await loadVgg({ model: 'vgg19', weights: dir, layers: ['block3_pool'] });
    const { loadInput } = await import('@vggscope/core');
    const input = await loadInput(fixture('images', 'chelsea.png'));
    const [ours] = await m.extract(input, { layers: ['block3_pool'] });
    m.dispose();
    const weights = await loadWeights(dir, graph);
    const ref = (await kerasReference(graph, weights, input, ['block3_pool'], 'wasm')).get('block3_pool')!;
    expect(ours!.shape).toEqual([1, 28, 28, 256]);
    expect(relativeL2(ours!.data, ref.data)).toBeLessThan(1e-4);
    expect(stats(ours!.data).max).toBeGreaterThan(1); // real features, not zeros
  });

  it('asking the partial weights for block4_pool says which layers are missing', async () => {
    const m = await loadVgg({ model: 'vgg19', weights: fixture('vgg19-tfjs-partial') });
    await expect(m.extract(fixture('images', 'chelsea.png'), { layers: ['block4_pool'] })).rejects.toMatchObject({
      code: 'E_WEIGHTS_MISSING',
      message: expect.stringContaining("computing 'block4_pool' needs weights for block4_conv1, block4_conv2, block4_conv3, block4_conv4"),
    });
    m.dispose();
  });
});

import { buildGraph, stats, tinyVgg } from '@vggscope/core';
import { loadWeights, writePacked } from '@vggscope/weights';
import { synthWeights } from '@vggscope/synth-weights';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FIXTURES,
  NO_FIXTURES_REASON,
  REPO_ROOT,
  fixture,
  relativeL2,
  skipNote,
  tinyWeights,
  type WeightsFileFormat,
} from '@vggscope/test-utils';
import { kerasReference } from '@vggscope/test-utils/keras-reference';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKEND } from './backends.js';
import { loadVgg } from './load-vgg.js';

describe('loadVgg', () => {
  it('extracts several layers from an image path in one pass, Keras shapes', async () => {
    const m = await loadVgg({ model: 'tiny-vgg16', weights: await tinyWeights('vgg16', 'h5') });
    const seen: string[] = [];
    const out = await m.extract(join(REPO_ROOT, 'packages/cli/assets/chelsea.png'), {
      layers: ['block5_pool', 'block1_conv1', 14],
      onLayer: (l) => seen.push(l),
    });
    await m.close();
    expect(out.map((o) => [o.layer, o.shape])).toEqual([
      ['block5_pool', [1, 7, 7, 16]],
      ['block1_conv1', [1, 224, 224, 4]],
      ['block4_pool', [1, 14, 14, 16]],
    ]);
    expect(seen.at(-1)).toBe('block5_pool');
    expect(seen).toHaveLength(18);
  });

  it('`layers` loads only the weights those outputs need', async () => {
    const m = await loadVgg({
      model: 'tiny-vgg16',
      weights: await tinyWeights('vgg16', 'h5'),
      layers: ['block2_pool'],
    });
    expect(m.weights.layers).toEqual(['block1_conv1', 'block1_conv2', 'block2_conv1', 'block2_conv2']);
    // 3×3 kernels 3→4, 4→4, 4→8, 8→8 plus biases, float32
    expect(m.weights.bytesRead).toBe((27 * 4 + 4 + 36 * 4 + 4 + 36 * 8 + 8 + 72 * 8 + 8) * 4);
    await expect(
      m.extract({ data: new Float32Array(224 * 224 * 3), shape: [1, 224, 224, 3] }, { layers: ['block3_conv1'] }),
    ).rejects.toMatchObject({
      code: 'E_WEIGHTS_MISSING',
    });
    await m.close();
  });

  it('rejects an image of the wrong size and use after dispose, saying what to do', async () => {
    const m = await loadVgg({
      model: 'tiny-vgg16',
      weights: await tinyWeights('vgg16', 'h5'),
      layers: ['block1_conv1'],
    });
    const img = { width: 10, height: 10, data: new Uint8Array(300) };
    await expect(m.extract(img)).rejects.toMatchObject({
      code: 'E_INPUT_SHAPE',
      message: expect.stringContaining('image is 10×10 but the model input is 224×224'),
    });
    await m.close();
    await expect(m.extract(img)).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringContaining('create it again'),
    });
  });
});

describe('weights must belong to the model asked for', () => {
  it.each(['h5', 'tfjs', 'packed'] as WeightsFileFormat[])(
    'VGG19 weights (%s) for VGG16 → E_WEIGHTS_MODEL naming vgg19',
    async (format) => {
      await expect(loadVgg({ model: 'tiny-vgg16', weights: await tinyWeights('vgg19', format) })).rejects.toMatchObject(
        {
          code: 'E_WEIGHTS_MODEL',
          message: expect.stringMatching(/holds vgg19 weights .*but the model is vgg16; load it as model 'vgg19'/),
          hint: expect.stringContaining('--model vgg19'),
        },
      );
    },
  );

  it.each(['h5', 'tfjs', 'packed'] as WeightsFileFormat[])(
    'VGG16 weights (%s) for VGG19 → E_WEIGHTS_MODEL naming vgg16',
    async (format) => {
      await expect(loadVgg({ model: 'tiny-vgg19', weights: await tinyWeights('vgg16', format) })).rejects.toMatchObject(
        {
          code: 'E_WEIGHTS_MODEL',
          message: expect.stringContaining('holds vgg16 weights'),
        },
      );
    },
  );

  it('weights in memory go through the same checks', async () => {
    const vgg19 = synthWeights(buildGraph(tinyVgg('vgg19')), 1);
    await expect(loadVgg({ model: 'tiny-vgg16', weights: vgg19 })).rejects.toMatchObject({ code: 'E_WEIGHTS_MODEL' });
  });

  it('partial weights (the first blocks only) stay allowed', async () => {
    const graph = buildGraph(tinyVgg('vgg16'));
    const all = synthWeights(graph, 2);
    const firstTwoBlocks = { ...all, layers: new Map([...all.layers].filter(([n]) => /^block[12]_/.test(n))) };
    const m = await loadVgg({ model: 'tiny-vgg16', weights: firstTwoBlocks, layers: ['block2_pool'] });
    expect(m.weights.layers).toHaveLength(4);
    await m.close();
  });

  it('a packed file is checked against the graph too: a wrong kernel shape → E_WEIGHTS_SHAPE', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'packed-')), 'narrow.vggw');
    const narrow = buildGraph(tinyVgg('vgg16', { widths: [4, 8, 8, 16, 8] }));
    await writePacked(path, narrow, synthWeights(narrow, 1));
    await expect(loadVgg({ model: 'tiny-vgg16', weights: path, layers: ['block2_pool'] })).rejects.toMatchObject({
      code: 'E_WEIGHTS_SHAPE',
      message: expect.stringContaining(
        "layer 'block5_conv1' kernel should be (3, 3, 16, 16) for vgg16, but the file has (3, 3, 16, 8)",
      ),
    });
  });
});

describe.skipIf(!FIXTURES)(
  `real ImageNet VGG19 weights (partial tfjs folder)${skipNote(!FIXTURES, NO_FIXTURES_REASON)}`,
  () => {
    it('block3_pool of a fixture photo equals the tfjs-layers Keras reference (wasm, 224×224)', async () => {
      const dir = fixture('vgg19-tfjs-partial');
      const graph = buildGraph('vgg19');
      const m = await loadVgg({ model: 'vgg19', weights: dir, layers: ['block3_pool'] });
      expect(m.backend).toBe(DEFAULT_BACKEND);
      const { loadInput } = await import('@vggscope/image');
      const input = await loadInput(fixture('images', 'chelsea.png'));
      const [ours] = await m.extract(input, { layers: ['block3_pool'] });
      await m.close();
      const weights = await loadWeights(dir, graph);
      const ref = (await kerasReference(graph, weights, input, ['block3_pool'], 'wasm')).get('block3_pool')!;
      expect(ours!.shape).toEqual([1, 28, 28, 256]);
      expect(relativeL2(ours!.data, ref.data)).toBeLessThan(1e-4);
      expect(stats(ours!.data).max).toBeGreaterThan(1); // real features, not zeros
    });

    it('a 4:2:0 JPEG gives exactly the features of the same pixels as a PNG (libjpeg-turbo, as Pillow decodes it)', async () => {
      // chelsea_420_pillow.png holds Pillow's decode of chelsea_420.jpg: identical features, not just close.
      const m = await loadVgg({ model: 'vgg19', weights: fixture('vgg19-tfjs-partial'), layers: ['block3_pool'] });
      const [jpg] = await m.extract(fixture('images', 'chelsea_420.jpg'));
      const [png] = await m.extract(fixture('images', 'chelsea_420_pillow.png'));
      await m.close();
      expect(jpg!.data.length).toBe(28 * 28 * 256);
      expect(Buffer.from(jpg!.data.buffer).equals(Buffer.from(png!.data.buffer))).toBe(true);
    });

    it('the VGG19 fixture given for VGG16 → E_WEIGHTS_MODEL naming vgg19', async () => {
      await expect(
        loadVgg({ model: 'vgg16', weights: fixture('vgg19-tfjs-partial'), layers: ['block1_conv1'] }),
      ).rejects.toMatchObject({
        code: 'E_WEIGHTS_MODEL',
        message: expect.stringContaining(
          'holds vgg19 weights (it has block3_conv4, block4_conv4, block5_conv4, which vgg16 lacks)',
        ),
      });
    });

    it('asking the partial weights for block4_pool says which layers are missing', async () => {
      const m = await loadVgg({ model: 'vgg19', weights: fixture('vgg19-tfjs-partial'), layers: ['block3_pool'] });
      await expect(m.extract(fixture('images', 'chelsea.png'), { layers: ['block4_pool'] })).rejects.toMatchObject({
        code: 'E_WEIGHTS_MISSING',
        message: expect.stringContaining(
          "computing 'block4_pool' needs weights for block4_conv1, block4_conv2, block4_conv3, block4_conv4",
        ),
      });
      await m.close();
    });
  },
);

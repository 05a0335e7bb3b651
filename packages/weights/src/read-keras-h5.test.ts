import { FIXTURES, NO_FIXTURES_REASON, fixture, synthH5 } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '@vggscope/core';
import { readKerasH5 } from './read-keras-h5.js';

const first3 = (d: Float32Array | undefined) => [...d!.subarray(0, 3)];
const close = (actual: number[], expected: number[]) =>
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));

// Expected names, shapes and first values are the h5py dump in ../shared/fixtures/keras-h5/README.md.
describe.skipIf(!FIXTURES)(
  `readKerasH5 on real Keras files${FIXTURES ? '' : ` (skipped: ${NO_FIXTURES_REASON})`}`,
  () => {
    it('Keras 1 save_weights (flat `_W:0` names, the official VGG style)', async () => {
      const c = await readKerasH5(fixture('keras-h5', 'mnist_cnn_tf_keras_1_weights.h5'));
      expect(c.layout).toBe('keras-legacy');
      expect(c.layers.map((l) => l.name)).toEqual([
        'convolution2d_1',
        'activation_1',
        'convolution2d_2',
        'activation_2',
        'maxpooling2d_1',
        'dropout_1',
        'flatten_1',
        'dense_1',
        'activation_3',
        'dropout_2',
        'dense_2',
        'activation_4',
      ]);
      const conv1 = c.layers[0]!;
      expect(conv1.weights.map((w) => [w.name, w.shape])).toEqual([
        ['convolution2d_1_W:0', [3, 3, 1, 32]],
        ['convolution2d_1_b:0', [32]],
      ]);
      close(first3(conv1.weights[0]!.data), [0.151936, -0.196832, 0.093345]);
      close(first3(c.layers[7]!.weights[0]!.data), [0.006993, 0.022377, -0.035239]);
      expect(c.layers[7]!.weights[0]!.shape).toEqual([4608, 128]);
      expect(c.layers[1]!.weights).toEqual([]); // empty float64 weight_names
    });

    it('Keras 1.1.2 full model.save: descends into /model_weights; non-square kernels', async () => {
      const c = await readKerasH5(fixture('keras-h5', 'cnn_tf_model.h5'));
      expect(c.layers[0]!.weights[0]!.shape).toEqual([3, 2, 3, 2]);
      close(first3(c.layers[0]!.weights[0]!.data), [0.101193, 0.372147, 0.31741]);
      expect(c.layers[1]!.weights[0]!.shape).toEqual([2, 3, 2, 1]);
      close(first3(c.layers.find((l) => l.name === 'dense_2')!.weights[0]!.data), [0.232327, 0.430454, 0.687172]);
    });

    it('tf.keras 2.x save_weights: nested `conv2d/kernel:0`', async () => {
      const c = await readKerasH5(fixture('keras-h5', 'mnist_weights_only.h5'));
      expect(c.layers.map((l) => l.name)).toEqual([
        'conv2d',
        'max_pooling2d',
        'conv2d_1',
        'max_pooling2d_1',
        'flatten',
        'dense',
        'dense_1',
        'dense_2',
      ]);
      expect(c.layers[0]!.weights.map((w) => w.name)).toEqual(['conv2d/kernel:0', 'conv2d/bias:0']);
      close(first3(c.layers[0]!.weights[0]!.data), [0.009938, -0.042992, 0.154363]);
      close(first3(c.layers[5]!.weights[1]!.data), [-0.009835, 0.002428, -0.006167]);
      expect(c.layers[5]!.weights[0]!.shape).toEqual([3136, 256]);
    });

    it('Keras 2.2 model.save with weight prefixes unlike the group names (follows weight_names)', async () => {
      const c = await readKerasH5(fixture('keras-h5', '12net.h5'));
      const conv1 = c.layers.find((l) => l.name === 'conv1')!;
      expect(conv1.weights.map((w) => [w.name, w.shape])).toEqual([
        ['conv1_1/kernel:0', [3, 3, 3, 10]],
        ['conv1_1/bias:0', [10]],
      ]);
      close(first3(conv1.weights[0]!.data), [0.22041, -0.092737, -0.014463]);
      expect(c.layers.find((l) => l.name === 'conv4-2')!.weights[0]!.shape).toEqual([1, 1, 32, 4]);
      expect(c.layers.find((l) => l.name === 'PReLU1')!.weights[0]!.shape).toEqual([1, 1, 10]);
    });

    it('Keras 3 .weights.h5: layers/<key>/vars/<i>, names from the `name` attribute', async () => {
      const c = await readKerasH5(fixture('keras-h5', 'pre_pr22362_nested_container.model.weights.h5'));
      expect(c.layout).toBe('keras3');
      expect(c.layers.map((l) => [l.name, l.weights.map((w) => w.shape)])).toEqual([
        ['d_0', [[4, 4]]],
        ['d_1', [[4, 4]]],
        ['d_2', [[4, 4]]],
        ['dense', [[4, 2], [2]]],
      ]);
      close(first3(c.layers[3]!.weights[0]!.data), [0.5, 0.5, 0.5]);
    });
  },
);

describe('readKerasH5 on the generated official-layout VGG16 file', () => {
  it('lists the 18 no-top layers without input_1, `_W_1:0` names, HWIO shapes', async () => {
    const c = await readKerasH5(await synthH5('vgg16'));
    expect(c.layout).toBe('keras-legacy');
    expect(c.layers.map((l) => l.name)).toEqual(
      buildGraph('vgg16')
        .layers.slice(1)
        .map((l) => l.name),
    );
    expect(c.layers[0]!.weights.map((w) => [w.name, w.shape])).toEqual([
      ['block1_conv1_W_1:0', [3, 3, 3, 64]],
      ['block1_conv1_b_1:0', [64]],
    ]);
    expect(c.layers[2]!.weights).toEqual([]);
  });

  it('`only` reads tensor data for the requested layers alone', async () => {
    const all = await readKerasH5(await synthH5('vgg16'));
    const one = await readKerasH5(await synthH5('vgg16'), { only: new Set(['block1_conv1']) });
    expect(one.bytesRead).toBe((3 * 3 * 3 * 64 + 64) * 4);
    expect(all.bytesRead).toBe(14_714_688 * 4);
    expect(one.layers[1]!.weights[0]!.data).toBeUndefined();
    expect(one.layers[1]!.weights[0]!.shape).toEqual([3, 3, 64, 64]);
  });

  it('a missing file → E_WEIGHTS_NOT_FOUND naming it', async () => {
    await expect(readKerasH5('/nonexistent.h5')).rejects.toMatchObject({
      code: 'E_WEIGHTS_NOT_FOUND',
      message: expect.stringContaining("'/nonexistent.h5'"),
    });
  });
});

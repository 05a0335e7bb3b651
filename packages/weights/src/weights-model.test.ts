import { describe, expect, it } from 'vitest';
import { buildGraph } from '@vggscope/core';
import { getModelSpec } from '@vggscope/core';
import { assertWeightsModel } from './weights-model.js';

const convs = (model: string) =>
  getModelSpec(model)
    .features.filter((l) => l.kind === 'conv')
    .map((l) => l.name);
const vgg16 = buildGraph('vgg16');
const vgg19 = buildGraph('vgg19');

describe('assertWeightsModel', () => {
  it('accepts the model’s own layers, whole, partial (first blocks) or with the top', () => {
    expect(() => assertWeightsModel(vgg16, convs('vgg16'), 'f')).not.toThrow();
    expect(() => assertWeightsModel(vgg16, [...convs('vgg16'), 'fc1', 'fc2', 'predictions'], 'f')).not.toThrow();
    expect(() => assertWeightsModel(vgg19, convs('vgg19').slice(0, 8), 'f')).not.toThrow();
    expect(() => assertWeightsModel(vgg19, convs('vgg16').slice(0, 7), 'f')).not.toThrow(); // up to block3_conv3: either model
  });

  it('VGG19 names read as VGG16 → E_WEIGHTS_MODEL naming vgg19 and the layers that tell', () => {
    expect(() => assertWeightsModel(vgg16, convs('vgg19'), 'w.h5')).toThrow(
      expect.objectContaining({
        code: 'E_WEIGHTS_MODEL',
        message: expect.stringContaining("'w.h5' holds vgg19 weights (it has block3_conv4, block4_conv4, block5_conv4"),
      }),
    );
  });

  it('VGG16 read as VGG19: the gap at block3_conv4 with later layers present → names vgg16', () => {
    expect(() => assertWeightsModel(vgg19, convs('vgg16'), 'w.h5')).toThrow(
      expect.objectContaining({
        code: 'E_WEIGHTS_MODEL',
        message: expect.stringContaining('holds vgg16 weights (it lacks block3_conv4 but has later conv layers)'),
      }),
    );
  });

  it('positional Keras 3 names (conv2d_N) are judged by their count', () => {
    const sixteen = Array.from({ length: 16 }, (_, i) => (i ? `conv2d_${i}` : 'conv2d'));
    expect(() => assertWeightsModel(vgg16, sixteen, 'k3.weights.h5')).toThrow(
      expect.objectContaining({ message: expect.stringContaining('16 conv layers, vgg16 has 13') }),
    );
    expect(() => assertWeightsModel(vgg19, sixteen, 'k3.weights.h5')).not.toThrow();
  });

  it('names of no known model are left to the shape and missing-layer checks', () => {
    expect(() => assertWeightsModel(vgg16, ['dense', 'block9_conv9'], 'f')).not.toThrow();
  });
});

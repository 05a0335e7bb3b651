import { describe, expect, it } from 'vitest';
import { neededLayers, resolveVggConfig } from './config.js';
import { buildGraph } from './graph.js';
import { tinyVgg } from './models/tiny.js';

describe('resolveVggConfig: one validated config', () => {
  it('fills the defaults: vgg16, no top, 224×224, the last layer, all cores', () => {
    const { config, graph } = resolveVggConfig({ weights: 'w.h5' });
    expect(config).toEqual({
      model: 'vgg16',
      weights: 'w.h5',
      includeTop: false,
      pooling: null,
      inputSize: [224, 224],
      layers: ['block5_pool'],
      backend: undefined,
      threads: undefined,
    });
    expect(graph.layers).toHaveLength(19);
  });

  it('resolves layer indices to Keras names, keeps request order, drops duplicates', () => {
    const { config } = resolveVggConfig({
      weights: 'w.h5',
      model: 'vgg19',
      layers: [21, 'block1_conv1', 'block5_pool'],
    });
    expect(config.layers).toEqual(['block5_pool', 'block1_conv1']);
  });

  it('pooling is ignored with the top, as in Keras; the pooled layer is the default output without it', () => {
    expect(resolveVggConfig({ weights: 'w', includeTop: true, pooling: 'avg' }).config).toMatchObject({
      pooling: null,
      layers: ['predictions'],
    });
    expect(resolveVggConfig({ weights: 'w', pooling: 'max' }).config.layers).toEqual(['global_max_pooling2d']);
  });

  it('rejects bad values before anything is loaded', () => {
    expect(() => resolveVggConfig({ weights: 'w', layers: ['block6_pool'] })).toThrow(/unknown layer 'block6_pool'/);
    expect(() => resolveVggConfig({ weights: 'w', threads: 0 })).toThrow(/threads must be a whole number/);
    expect(() => resolveVggConfig({ weights: 'w', inputSize: [16, 16] })).toThrow(/at least 32×32/);
    expect(() => resolveVggConfig({ weights: '' })).toThrow(/weights/);
  });

  it('is idempotent: a resolved config resolves to itself (what a pool worker receives)', () => {
    const { config } = resolveVggConfig({
      weights: 'w',
      model: tinyVgg('vgg16'),
      layers: [14],
      inputSize: [64, 48],
      threads: 1,
    });
    expect(resolveVggConfig(structuredClone(config)).config).toEqual(config);
  });

  it('neededLayers: the weighted layers up to the deepest output', () => {
    expect([...neededLayers(buildGraph('vgg16'), ['block1_pool', 'block2_conv1'])]).toEqual([
      'block1_conv1',
      'block1_conv2',
      'block2_conv1',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { buildGraph } from './graph.js';
import { featureMapSizes, filterSummary, lastConvOfEachBlock, modelSummary } from './summaries.js';
import type { WeightSet } from './weight-set.js';

// Hand-written from Keras' VGG16/VGG19 model.summary() (224×224): index, name, output shape, params.
const VGG16: [number, string, (number | null)[], number][] = [
  [0, 'input_1', [null, 224, 224, 3], 0],
  [1, 'block1_conv1', [null, 224, 224, 64], 1792],
  [2, 'block1_conv2', [null, 224, 224, 64], 36928],
  [3, 'block1_pool', [null, 112, 112, 64], 0],
  [4, 'block2_conv1', [null, 112, 112, 128], 73856],
  [5, 'block2_conv2', [null, 112, 112, 128], 147584],
  [6, 'block2_pool', [null, 56, 56, 128], 0],
  [7, 'block3_conv1', [null, 56, 56, 256], 295168],
  [8, 'block3_conv2', [null, 56, 56, 256], 590080],
  [9, 'block3_conv3', [null, 56, 56, 256], 590080],
  [10, 'block3_pool', [null, 28, 28, 256], 0],
  [11, 'block4_conv1', [null, 28, 28, 512], 1180160],
  [12, 'block4_conv2', [null, 28, 28, 512], 2359808],
  [13, 'block4_conv3', [null, 28, 28, 512], 2359808],
  [14, 'block4_pool', [null, 14, 14, 512], 0],
  [15, 'block5_conv1', [null, 14, 14, 512], 2359808],
  [16, 'block5_conv2', [null, 14, 14, 512], 2359808],
  [17, 'block5_conv3', [null, 14, 14, 512], 2359808],
  [18, 'block5_pool', [null, 7, 7, 512], 0],
  [19, 'flatten', [null, 25088], 0],
  [20, 'fc1', [null, 4096], 102764544],
  [21, 'fc2', [null, 4096], 16781312],
  [22, 'predictions', [null, 1000], 4097000],
];
const VGG19_FEATURES: [number, string, (number | null)[], number][] = [
  [0, 'input_1', [null, 224, 224, 3], 0],
  [1, 'block1_conv1', [null, 224, 224, 64], 1792],
  [2, 'block1_conv2', [null, 224, 224, 64], 36928],
  [3, 'block1_pool', [null, 112, 112, 64], 0],
  [4, 'block2_conv1', [null, 112, 112, 128], 73856],
  [5, 'block2_conv2', [null, 112, 112, 128], 147584],
  [6, 'block2_pool', [null, 56, 56, 128], 0],
  [7, 'block3_conv1', [null, 56, 56, 256], 295168],
  [8, 'block3_conv2', [null, 56, 56, 256], 590080],
  [9, 'block3_conv3', [null, 56, 56, 256], 590080],
  [10, 'block3_conv4', [null, 56, 56, 256], 590080],
  [11, 'block3_pool', [null, 28, 28, 256], 0],
  [12, 'block4_conv1', [null, 28, 28, 512], 1180160],
  [13, 'block4_conv2', [null, 28, 28, 512], 2359808],
  [14, 'block4_conv3', [null, 28, 28, 512], 2359808],
  [15, 'block4_conv4', [null, 28, 28, 512], 2359808],
  [16, 'block4_pool', [null, 14, 14, 512], 0],
  [17, 'block5_conv1', [null, 14, 14, 512], 2359808],
  [18, 'block5_conv2', [null, 14, 14, 512], 2359808],
  [19, 'block5_conv3', [null, 14, 14, 512], 2359808],
  [20, 'block5_conv4', [null, 14, 14, 512], 2359808],
  [21, 'block5_pool', [null, 7, 7, 512], 0],
];

describe('summaries', () => {
  it('VGG16 with top: the Keras model.summary() table and total 138,357,544', () => {
    const { rows, totalParams } = modelSummary(buildGraph('vgg16', { includeTop: true }));
    expect(rows.map((r, i) => [i, r.name, r.outputShape, r.params])).toEqual(VGG16);
    expect(rows.map((r) => r.type).slice(0, 4)).toEqual(['InputLayer', 'Conv2D', 'Conv2D', 'MaxPooling2D']);
    expect(rows.at(-1)!.type).toBe('Dense');
    expect(totalParams).toBe(138_357_544);
  });

  it('VGG19 feature-map sizes at 224×224: every index, name, shape and bytes (H·W·C·4)', () => {
    const rows = featureMapSizes(buildGraph('vgg19'));
    expect(rows.map((r) => [r.index, r.name, r.outputShape, 0])).toEqual(
      VGG19_FEATURES.map(([i, n, s]) => [i, n, s, 0]),
    );
    expect(rows.find((r) => r.name === 'block1_conv1')!.bytes).toBe(224 * 224 * 64 * 4);
    expect(rows.find((r) => r.name === 'block5_pool')!.bytes).toBe(7 * 7 * 512 * 4);
  });

  it('feature-map sizes follow the input size (300×451)', () => {
    const rows = featureMapSizes(buildGraph('vgg16', { inputSize: [300, 451] }));
    expect(rows.find((r) => r.name === 'block3_pool')!.outputShape).toEqual([null, 37, 56, 256]);
    expect(rows.at(-1)!.outputShape).toEqual([null, 9, 14, 512]);
  });

  it('filter summary: one row per conv with kernel/bias shapes, params and kernel min/max', () => {
    const g = buildGraph('vgg16');
    const kernel = new Float32Array(3 * 3 * 3 * 64).map((_, i) => (i % 7) - 3.5);
    const weights: WeightSet = {
      source: 'test',
      format: 'synthetic',
      unavailable: [],
      bytesRead: 0,
      layers: new Map([
        [
          'block1_conv1',
          { kernel: { data: kernel, shape: [3, 3, 3, 64] }, bias: { data: new Float32Array(64).fill(9), shape: [64] } },
        ],
      ]),
    };
    const rows = filterSummary(g, weights);
    expect(rows).toHaveLength(13);
    expect(rows[0]).toEqual({
      index: 1,
      name: 'block1_conv1',
      kernelShape: [3, 3, 3, 64],
      biasShape: [64],
      params: 1792,
      min: -3.5,
      max: 2.5,
    });
    expect(rows[12]).toMatchObject({
      index: 17,
      name: 'block5_conv3',
      kernelShape: [3, 3, 512, 512],
      params: 2359808,
      min: undefined,
    });
    expect(filterSummary(buildGraph('vgg19')).map((r) => r.index)).toEqual([
      1, 2, 4, 5, 7, 8, 9, 10, 12, 13, 14, 15, 17, 18, 19, 20,
    ]);
  });

  it('last conv of each block', () => {
    expect(lastConvOfEachBlock(buildGraph('vgg16'))).toEqual([2, 5, 9, 13, 17]);
    expect(lastConvOfEachBlock(buildGraph('vgg19'))).toEqual([2, 5, 10, 15, 20]);
  });
});

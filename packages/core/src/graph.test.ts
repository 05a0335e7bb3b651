import { describe, expect, it } from 'vitest';
import { isVggError } from './errors.js';
import { buildGraph, weightedLayers } from './graph.js';

// Hand-written from Keras' applications/vgg16.py and vgg19.py (layer order, names, shapes at 224×224).
const VGG16_224: [string, number[]][] = [
  ['input_1', [224, 224, 3]],
  ['block1_conv1', [224, 224, 64]],
  ['block1_conv2', [224, 224, 64]],
  ['block1_pool', [112, 112, 64]],
  ['block2_conv1', [112, 112, 128]],
  ['block2_conv2', [112, 112, 128]],
  ['block2_pool', [56, 56, 128]],
  ['block3_conv1', [56, 56, 256]],
  ['block3_conv2', [56, 56, 256]],
  ['block3_conv3', [56, 56, 256]],
  ['block3_pool', [28, 28, 256]],
  ['block4_conv1', [28, 28, 512]],
  ['block4_conv2', [28, 28, 512]],
  ['block4_conv3', [28, 28, 512]],
  ['block4_pool', [14, 14, 512]],
  ['block5_conv1', [14, 14, 512]],
  ['block5_conv2', [14, 14, 512]],
  ['block5_conv3', [14, 14, 512]],
  ['block5_pool', [7, 7, 512]],
  ['flatten', [25088]],
  ['fc1', [4096]],
  ['fc2', [4096]],
  ['predictions', [1000]],
];
const VGG19_224: [string, number[]][] = [
  ['input_1', [224, 224, 3]],
  ['block1_conv1', [224, 224, 64]],
  ['block1_conv2', [224, 224, 64]],
  ['block1_pool', [112, 112, 64]],
  ['block2_conv1', [112, 112, 128]],
  ['block2_conv2', [112, 112, 128]],
  ['block2_pool', [56, 56, 128]],
  ['block3_conv1', [56, 56, 256]],
  ['block3_conv2', [56, 56, 256]],
  ['block3_conv3', [56, 56, 256]],
  ['block3_conv4', [56, 56, 256]],
  ['block3_pool', [28, 28, 256]],
  ['block4_conv1', [28, 28, 512]],
  ['block4_conv2', [28, 28, 512]],
  ['block4_conv3', [28, 28, 512]],
  ['block4_conv4', [28, 28, 512]],
  ['block4_pool', [14, 14, 512]],
  ['block5_conv1', [14, 14, 512]],
  ['block5_conv2', [14, 14, 512]],
  ['block5_conv3', [14, 14, 512]],
  ['block5_conv4', [14, 14, 512]],
  ['block5_pool', [7, 7, 512]],
  ['flatten', [25088]],
  ['fc1', [4096]],
  ['fc2', [4096]],
  ['predictions', [1000]],
];

describe('buildGraph', () => {
  it.each([
    ['vgg16', VGG16_224],
    ['vgg19', VGG19_224],
  ] as const)('%s with top: every Keras index, name and output shape', (model, table) => {
    const g = buildGraph(model, { includeTop: true });
    expect(g.layers.map((l) => [l.name, l.outputShape])).toEqual(table);
    g.layers.forEach((l, i) => expect(l.index).toBe(i));
  });

  it('no-top graphs end at block5_pool (VGG16 index 18, VGG19 index 21)', () => {
    expect(buildGraph('vgg16').layers.at(-1)).toMatchObject({ index: 18, name: 'block5_pool' });
    expect(buildGraph('vgg19').layers.at(-1)).toMatchObject({ index: 21, name: 'block5_pool' });
  });

  it('last conv of each block sits at the Keras indices the workflow uses', () => {
    const lastConvs = (m: string) =>
      buildGraph(m)
        .layers.filter((l, i, all) => l.spec.kind === 'conv' && all[i + 1]?.spec.kind === 'pool')
        .map((l) => l.index);
    expect(lastConvs('vgg16')).toEqual([2, 5, 9, 13, 17]);
    expect(lastConvs('vgg19')).toEqual([2, 5, 10, 15, 20]);
  });

  it('parameter counts equal Keras model.summary() totals', () => {
    const total = (m: string, top: boolean) =>
      buildGraph(m, { includeTop: top }).layers.reduce((n, l) => n + l.params, 0);
    expect(total('vgg16', false)).toBe(14_714_688);
    expect(total('vgg16', true)).toBe(138_357_544);
    expect(total('vgg19', false)).toBe(20_024_384);
    expect(total('vgg19', true)).toBe(143_667_240);
  });

  it('kernel shapes are HWIO / [in, out]', () => {
    const w = weightedLayers(buildGraph('vgg16', { includeTop: true }));
    expect(w[0]!.weights.map((s) => s.shape)).toEqual([[3, 3, 3, 64], [64]]);
    expect(w.find((l) => l.name === 'block4_conv1')!.weights[0]!.shape).toEqual([3, 3, 256, 512]);
    expect(w.find((l) => l.name === 'fc1')!.weights[0]!.shape).toEqual([25088, 4096]);
  });

  it('x=67×45 infers floor-halved pools down to 2×1', () => {
    const g = buildGraph('vgg16', { inputSize: [67, 45] });
    expect(g.layers.filter((l) => l.spec.kind === 'pool').map((l) => l.outputShape)).toEqual([
      [33, 22, 64],
      [16, 11, 128],
      [8, 5, 256],
      [4, 2, 512],
      [2, 1, 512],
    ]);
  });

  it('pooling avg/max appends the Keras global pooling layer', () => {
    expect(buildGraph('vgg16', { pooling: 'avg' }).layers.at(-1)).toMatchObject({
      index: 19,
      name: 'global_average_pooling2d',
      outputShape: [512],
    });
    expect(buildGraph('vgg19', { pooling: 'max' }).layers.at(-1)).toMatchObject({
      index: 22,
      name: 'global_max_pooling2d',
    });
    expect(buildGraph('vgg16', { includeTop: true, pooling: 'avg' }).layers.at(-1)!.name).toBe('predictions');
  });

  it.each([
    [{ inputSize: [31, 224] as [number, number] }, /at least 32×32/],
    [{ includeTop: true, inputSize: [256, 256] as [number, number] }, /224×224/],
    [{ inputSize: [32.5, 40] as [number, number] }, /whole numbers/],
  ])('rejects input size %o', (opts, msg) => {
    try {
      buildGraph('vgg16', opts);
      expect.unreachable();
    } catch (e) {
      expect(isVggError(e, 'E_INPUT_SIZE')).toBe(true);
      expect((e as Error).message).toMatch(msg);
    }
  });

  it('unknown model names the valid ones', () => {
    expect(() => buildGraph('vgg11')).toThrow(/unknown model 'vgg11'; use one of: vgg16, vgg19/);
  });
});

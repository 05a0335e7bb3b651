import { describe, expect, it } from 'vitest';
import { buildGraph } from './graph.js';
import { closestName, findLayer, findLayers } from './layer-lookup.js';

const vgg16 = buildGraph('vgg16');

describe('findLayer', () => {
  it('finds by name, numeric index and index string', () => {
    expect(findLayer(vgg16, 'block4_pool').index).toBe(14);
    expect(findLayer(vgg16, 9).name).toBe('block3_conv3');
    expect(findLayer(vgg16, ' 0 ').name).toBe('input_1');
  });

  it('suggests the closest name and lists the valid ones', () => {
    expect(() => findLayer(vgg16, 'block6_conv1')).toThrow(
      /unknown layer 'block6_conv1' in vgg16 \(no top\); did you mean 'block5_conv1'\? \(valid: input_1, block1_conv1/,
    );
    expect(() => findLayer(vgg16, 'blokc4_pool')).toThrow(/did you mean 'block4_pool'/);
  });

  it('says top layers need --include-top', () => {
    expect(() => findLayer(vgg16, 'fc1')).toThrow(/it needs --include-top/);
    expect(findLayer(buildGraph('vgg16', { includeTop: true }), 'fc1').index).toBe(20);
  });

  it('rejects out-of-range indices with the valid range', () => {
    expect(() => findLayer(vgg16, 19)).toThrow(
      /layer index 19 is out of range for vgg16 \(no top\): valid indices are 0…18/,
    );
  });

  it('findLayers keeps request order and drops duplicates', () => {
    expect(findLayers(vgg16, ['block5_pool', 2, 'block1_conv2', 18]).map((l) => l.index)).toEqual([18, 2]);
  });

  it('closestName gives nothing for unrelated words', () => {
    expect(closestName('banana', ['block1_conv1', 'fc1'])).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { CAFFE_MEAN_BGR, preprocessInput, stackBatch } from './caffe.js';

describe('preprocessInput (caffe)', () => {
  it('x=[1,1,2,3]: RGB→BGR minus the ImageNet mean, float32 NHWC', () => {
    const t = preprocessInput({ width: 2, height: 1, data: new Uint8Array([255, 0, 10, 1, 2, 3]) });
    expect(t.shape).toEqual([1, 1, 2, 3]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect([...t.data]).toEqual(
      [10 - 103.939, 0 - 116.779, 255 - 123.68, 3 - 103.939, 2 - 116.779, 1 - 123.68].map(Math.fround),
    );
  });
  it('a pixel at the rounded ImageNet mean (R 124, G 117, B 104) leaves only the fractions, in BGR order', () => {
    // Keras: mean = [103.939, 116.779, 123.68] for B, G, R; 104 − 103.939 = 0.061, 117 − 116.779 = 0.221, 124 − 123.68 = 0.32
    const t = preprocessInput({ width: 1, height: 1, data: new Uint8Array([124, 117, 104]) });
    [0.061, 0.221, 0.32].forEach((v, i) => expect(t.data[i]).toBeCloseTo(v, 4));
    expect(CAFFE_MEAN_BGR[0]).toBeLessThan(CAFFE_MEAN_BGR[2]); // B's mean first: the order Keras subtracts in
  });
  it('stackBatch concatenates along N', () => {
    const a = preprocessInput({ width: 1, height: 1, data: new Uint8Array([1, 2, 3]) });
    const b = preprocessInput({ width: 1, height: 1, data: new Uint8Array([4, 5, 6]) });
    const s = stackBatch([a, b]);
    expect(s.shape).toEqual([2, 1, 1, 3]);
    expect([...s.data]).toEqual(
      [3 - 103.939, 2 - 116.779, 1 - 123.68, 6 - 103.939, 5 - 116.779, 4 - 123.68].map(Math.fround),
    );
  });
});

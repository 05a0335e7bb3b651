import { describe, expect, it } from 'vitest';
import { CAFFE_MEAN_BGR, preprocessInput, stackBatch } from './caffe.js';

describe('preprocessInput (caffe)', () => {
  it('x=[1,1,2,3]: RGB→BGR minus the ImageNet mean, float32 NHWC', () => {
    const t = preprocessInput({ width: 2, height: 1, data: new Uint8Array([255, 0, 10, 1, 2, 3]) });
    expect(t.shape).toEqual([1, 1, 2, 3]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect([...t.data]).toEqual([10 - 103.939, 0 - 116.779, 255 - 123.68, 3 - 103.939, 2 - 116.779, 1 - 123.68].map(Math.fround));
  });
  it('means are Keras caffe-mode values', () => {
    expect(CAFFE_MEAN_BGR).toEqual([103.939, 116.779, 123.68]);
  });
  it('stackBatch concatenates along N', () => {
    const a = preprocessInput({ width: 1, height: 1, data: new Uint8Array([1, 2, 3]) });
    const b = preprocessInput({ width: 1, height: 1, data: new Uint8Array([4, 5, 6]) });
    const s = stackBatch([a, b]);
    expect(s.shape).toEqual([2, 1, 1, 3]);
    expect([...s.data.slice(3)]).toEqual([...b.data]);
  });
});

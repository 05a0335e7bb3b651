import { hashFile } from '@vggscope/weights';
import { describe, expect, it } from 'vitest';
import { decodePredictions, imagenetClassIndex } from './predictions.js';

describe('decodePredictions', () => {
  it('ships the Keras class index byte for byte (md5 c2c37ea5…)', async () => {
    expect(await hashFile(new URL('../data/imagenet_class_index.json', import.meta.url).pathname)).toBe(
      'c2c37ea517e94d9795004a39431a14cb',
    );
    expect(Object.keys(imagenetClassIndex())).toHaveLength(1000);
  });

  it("top-k per row, most probable first (281 = tabby, 285 = Egyptian_cat in Keras' index)", () => {
    const data = new Float32Array(2000);
    data[281] = 0.6;
    data[285] = 0.3;
    data[0] = 0.1;
    data[1000 + 999] = 1;
    const [a, b] = decodePredictions({ data, shape: [2, 1000] }, 2);
    expect(a).toEqual([
      { wnid: 'n02123045', label: 'tabby', probability: Math.fround(0.6) },
      { wnid: 'n02124075', label: 'Egyptian_cat', probability: Math.fround(0.3) },
    ]);
    expect(b![0]).toMatchObject({ wnid: 'n15075141', label: 'toilet_tissue' });
  });

  it('rejects outputs that are not [N, 1000]', () => {
    expect(() => decodePredictions({ data: new Float32Array(10), shape: [1, 10] })).toThrow(
      /expects a \[N, 1000\] ImageNet output, got \[1, 10\]/,
    );
  });
});

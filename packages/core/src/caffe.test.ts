import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAFFE_MEAN_BGR, preprocessInput, stackBatch } from './caffe.js';

const MEAN_F32 = CAFFE_MEAN_BGR.map(Math.fround);

/** A minimal little-endian `.npy` reader (uint8 / float32, C order) for the NumPy-made fixtures. */
function readNpy(name: string): { shape: number[]; data: Uint8Array | Float32Array } {
  const b = readFileSync(join(import.meta.dirname, 'testdata', name));
  const headerLen = b.readUInt16LE(8);
  const header = b.subarray(10, 10 + headerLen).toString('latin1');
  const shape = /'shape': \(([^)]*)\)/
    .exec(header)![1]!
    .split(',')
    .filter((s) => s.trim())
    .map(Number);
  const body = b.subarray(10 + headerLen);
  const copy = new Uint8Array(body).buffer;
  if (header.includes("'<f4'")) return { shape, data: new Float32Array(copy) };
  if (header.includes("'|u1'")) return { shape, data: new Uint8Array(copy) };
  throw new Error(`${name}: unexpected dtype in ${header}`);
}

describe('preprocessInput (caffe)', () => {
  it('x=[1,1,2,3]: RGB→BGR minus the ImageNet mean, float32 NHWC', () => {
    const t = preprocessInput({ width: 2, height: 1, data: new Uint8Array([255, 0, 10, 1, 2, 3]) });
    expect(t.shape).toEqual([1, 1, 2, 3]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.data).toEqual(Float32Array.from([10, 0, 255, 3, 2, 1]).map((v, i) => v - MEAN_F32[i % 3]!));
  });
  it("every 8-bit value in every channel equals NumPy's float32 arithmetic bit for bit (0 ulp)", () => {
    // testdata/make-caffe-npy.py runs Keras' own caffe-mode code in NumPy on a 16×16 image whose
    // channels take all 256 values; the .npy files are its input and output.
    const input = readNpy('caffe-all-values-input.npy');
    const want = readNpy('caffe-all-values.npy');
    expect(input.shape).toEqual([16, 16, 3]);
    expect(want.shape).toEqual([1, 16, 16, 3]);
    const got = preprocessInput({ width: 16, height: 16, data: input.data as Uint8Array });
    expect(got.shape).toEqual(want.shape);
    const differing = [...got.data].filter((v, i) => !Object.is(v, want.data[i])).length;
    expect(differing).toBe(0);
  });
  it('the float64 subtraction it replaces would differ from Keras in about half the values (the test can fail)', () => {
    const input = readNpy('caffe-all-values-input.npy').data as Uint8Array;
    const want = readNpy('caffe-all-values.npy').data as Float32Array;
    let differing = 0;
    for (let p = 0; p < 256; p++)
      for (let c = 0; c < 3; c++)
        if (Math.fround(input[p * 3 + 2 - c]! - CAFFE_MEAN_BGR[c]!) !== want[p * 3 + c]) differing++;
    expect(differing).toBeGreaterThan(100);
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

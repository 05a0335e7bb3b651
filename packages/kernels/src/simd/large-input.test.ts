import { buildGraph, createVgg, type FloatTensor, resolveVggConfig, tinyVgg } from '@vggscope/core';
import { openWeights } from '@vggscope/weights';
import { synthWeights } from '@vggscope/synth-weights';
import { relativeL2 } from '@vggscope/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_BACKEND } from '../backends.js';
import { createReferenceBackend } from '../reference/reference-backend.js';
import { conv2dRelu } from '../reference/conv2d-relu.js';
import { createSimdBackend, type SimdBackend } from './simd-backend.js';
import { convCase, tensor } from './testdata/simd-test-data.js';

const open: SimdBackend[] = [];
afterAll(async () => {
  for (const b of open) await b.close();
});

async function backend(options: Parameters<typeof createSimdBackend>[0]): Promise<SimdBackend> {
  const b = await createSimdBackend(options);
  open.push(b);
  return b;
}

async function conv(b: SimdBackend, x: FloatTensor, c: ReturnType<typeof convCase>): Promise<Float32Array> {
  const layer = await b.prepareLayer(c.layer, c.weights);
  const xi = await b.input(x);
  const y = await b.conv2dRelu(xi, layer);
  const out = (await b.read(y)).data;
  b.dispose(y);
  b.dispose(xi);
  b.disposeLayer(layer);
  return out;
}

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

describe('simd conv in bounded chunks (memory follows the live activations, not the map size)', () => {
  // Chunks of 8 tiles (Winograd: V + M of 36·8·(16 + 24)·4 bytes) or 40 pixels (im2col): a batch of
  // 3 images of 29×31 (8·8 = 64 tiles each) crosses image boundaries inside chunks.
  const cases = [
    { algorithm: 'winograd', cin: 16, cout: 24, chunkBytes: 36 * 8 * (16 + 24) * 4 },
    { algorithm: 'winograd2', cin: 16, cout: 24, chunkBytes: 16 * 20 * (16 + 24) * 4 },
    // F(6×6): 6·6 = 36 tiles per image, chunks of 8.
    { algorithm: 'winograd6', cin: 16, cout: 24, chunkBytes: 64 * 8 * (16 + 24) * 4 },
    { algorithm: 'im2col', cin: 3, cout: 16, chunkBytes: 40 * 27 * 4 },
    { algorithm: 'im2col', cin: 16, cout: 8, chunkBytes: 12 * 144 * 4 },
  ] as const;
  for (const { algorithm, cin, cout, chunkBytes } of cases) {
    it(`${algorithm} x=[3,29,31,${cin}] w=[3,3,${cin},${cout}]: chunked = whole, bit for bit; = each image alone; ≈ float64`, async () => {
      const opts = { threads: 2, convAlgorithm: algorithm, winogradFusion: 'never' } as const;
      const chunked = await backend({ ...opts, chunkBytes });
      const whole = await backend(opts);
      const c = convCase(29, 31, cin, cout, cin * 7 + cout);
      const x = tensor([3, 29, 31, cin], 17);
      const got = await conv(chunked, x, c);
      expect(bits(got)).toEqual(bits(await conv(whole, x, c)));
      const per = 29 * 31 * cin;
      for (let i = 0; i < 3; i++) {
        const one = { data: x.data.slice(i * per, (i + 1) * per), shape: [1, 29, 31, cin] };
        const alone = await conv(chunked, one, c);
        expect(bits(alone), `image ${i}`).toEqual(bits(got.subarray(i * 29 * 31 * cout, (i + 1) * 29 * 31 * cout)));
      }
      expect(relativeL2(got, conv2dRelu(x, c.weights.kernel, c.weights.bias).data)).toBeLessThan(1e-5);
    });
  }

  for (const algorithm of ['winograd', 'winograd6'] as const) {
    it(`the fused path (${algorithm}) on a batch equals each image alone and the phased path, bit for bit`, async () => {
      const fused = await backend({ threads: 2, convAlgorithm: algorithm, winogradFusion: 'always' });
      const phased = await backend({
        threads: 3,
        convAlgorithm: algorithm,
        winogradFusion: 'never',
        chunkBytes: 1 << 16,
      });
      const c = convCase(21, 18, 8, 16, 3);
      const x = tensor([2, 21, 18, 8], 4);
      const got = await conv(fused, x, c);
      const per = 21 * 18 * 8;
      const second = await conv(fused, { data: x.data.slice(per), shape: [1, 21, 18, 8] }, c);
      expect(bits(second)).toEqual(bits(got.subarray(21 * 18 * 16)));
      expect(bits(await conv(phased, x, c))).toEqual(bits(got));
    });
  }

  it(`a 1344×1344 pass of tiny VGG16 on the default backend (${DEFAULT_BACKEND}) in a 200 MiB wasm memory`, async () => {
    expect(DEFAULT_BACKEND).toBe('simd');
    // block1 holds two 1344²×8 maps (2 × 58 MB) and one chunk of scratch; a whole-pass plan needed
    // > 400 MB (block1_conv2's im2col matrix alone is 260 MB).
    const spec = tinyVgg('vgg16', { widths: [4, 8, 8, 8, 8] });
    const weights = synthWeights(buildGraph(spec), 5);
    const { config } = resolveVggConfig({ model: spec, weights, inputSize: [1344, 1344], layers: ['block3_pool'] });
    const simd = await createVgg(await backend({ threads: 2, maxMemoryMiB: 200 }), config, { openWeights });
    const x = tensor([1, 1344, 1344, 3], 9, 100);
    const [got] = await simd.extract(x);
    expect(got!.shape).toEqual([1, 168, 168, 8]);
    // The float64 reference backend, on the same weights (≈ 1 G multiply-adds: a few seconds).
    const ref = await createVgg(await createReferenceBackend({}), config, { openWeights, ownsBackend: true });
    const [want] = await ref.extract(x);
    await ref.close();
    await simd.close();
    expect(relativeL2(got!.data, want!.data)).toBeLessThan(1e-5);
  }, 120_000);
});

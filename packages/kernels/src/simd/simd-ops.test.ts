import { relativeL2 } from '@vggscope/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv2dRelu } from '../reference/conv2d-relu.js';
import { dense } from '../reference/dense.js';
import { globalPool } from '../reference/global-pool.js';
import { maxPool2x2 } from '../reference/max-pool.js';
import { createSimdBackend, type SimdBackend } from './simd-backend.js';
import { convCase, denseCase, tensor } from './testdata/simd-test-data.js';
import { relaxedSimdAvailable } from './wasm-module.js';

// Worst relative L2 error observed per algorithm, printed once (the Winograd error is documented).
const worst = { winograd: 0, 'winograd-fused': 0, winograd2: 0, winograd6: 0, 'winograd6-fused': 0, im2col: 0 };

const builds = [
  { fma: true, threads: 1 },
  { fma: true, threads: 2 },
  { fma: false, threads: 1 },
  { fma: false, threads: 2 },
] as const;

const convShapes: [number, number, number, number][] = [
  [1, 1, 4, 4],
  [2, 2, 3, 5],
  [5, 7, 8, 16],
  [4, 4, 16, 8],
  [9, 6, 5, 12],
  [33, 47, 12, 20],
  [33, 47, 3, 16],
  [32, 32, 64, 64],
];

describe.each(builds)('simd ops, fma=$fma threads=$threads', ({ fma, threads }) => {
  let backend: SimdBackend;
  let fused: SimdBackend;
  let im2col: SimdBackend;
  let wino2: SimdBackend;
  let wino6: SimdBackend;
  let wino6Fused: SimdBackend;
  beforeAll(async () => {
    if (fma && !relaxedSimdAvailable()) throw new Error('relaxed SIMD unavailable: the FMA build cannot be tested');
    backend = await createSimdBackend({ fma, threads, convAlgorithm: 'winograd', winogradFusion: 'never' });
    fused = await createSimdBackend({ fma, threads, convAlgorithm: 'winograd', winogradFusion: 'always' });
    im2col = await createSimdBackend({ fma, threads: 1, convAlgorithm: 'im2col' });
    wino2 = await createSimdBackend({ fma, threads, convAlgorithm: 'winograd2' });
    wino6 = await createSimdBackend({ fma, threads, convAlgorithm: 'winograd6', winogradFusion: 'never' });
    wino6Fused = await createSimdBackend({ fma, threads, convAlgorithm: 'winograd6', winogradFusion: 'always' });
    expect(backend.fma).toBe(fma);
  });
  afterAll(async () => {
    await backend?.close();
    await fused?.close();
    await im2col?.close();
    await wino2?.close();
    await wino6?.close();
    await wino6Fused?.close();
  });

  for (const [h, w, cin, cout] of convShapes) {
    for (const algorithm of [
      'winograd',
      'winograd-fused',
      'winograd2',
      'winograd6',
      'winograd6-fused',
      'im2col',
    ] as const) {
      it(`conv2dRelu ${algorithm} x=[1,${h},${w},${cin}] w=[3,3,${cin},${cout}]`, async () => {
        const b = {
          winograd: backend,
          'winograd-fused': fused,
          winograd2: wino2,
          winograd6: wino6,
          'winograd6-fused': wino6Fused,
          im2col,
        }[algorithm];
        const { layer, weights, x } = convCase(h, w, cin, cout, h * 100 + cin);
        const want = conv2dRelu(x, weights.kernel, weights.bias);
        const prepared = await b.prepareLayer(layer, weights);
        const xi = await b.input(x);
        const y = await b.conv2dRelu(xi, prepared);
        const got = await b.read(y);
        expect(got.shape).toEqual(want.shape);
        const err = relativeL2(got.data, want.data);
        worst[algorithm] = Math.max(worst[algorithm], err);
        expect(err).toBeLessThan(1e-4);
        b.dispose(y);
        b.dispose(xi);
        b.disposeLayer(prepared);
      });
    }
  }

  it('conv2dRelu on a batch of 3 images x=[3,13,11,8] w=[3,3,8,8], phased, fused, F(2×2) and F(6×6)', async () => {
    const { layer, weights } = convCase(13, 11, 8, 8, 7);
    const x = tensor([3, 13, 11, 8], 8);
    const want = conv2dRelu(x, weights.kernel, weights.bias).data;
    for (const b of [backend, fused, wino2, wino6, wino6Fused]) {
      const got = await b.read(await b.conv2dRelu(await b.input(x), await b.prepareLayer(layer, weights)));
      expect(relativeL2(got.data, want)).toBeLessThan(1e-4);
    }
  });

  for (const shape of [
    [1, 2, 2, 4],
    [2, 7, 5, 12],
    [1, 33, 47, 16],
    [1, 1, 3, 8],
  ]) {
    it(`maxPool2x2 x=[${shape.join(',')}]`, async () => {
      const x = tensor(shape, 11);
      const got = await backend.read(await backend.maxPool2x2(await backend.input(x)));
      const want = maxPool2x2(x);
      expect(got.shape).toEqual(want.shape);
      expect(Array.from(got.data)).toEqual(Array.from(want.data));
    });
  }

  for (const mode of ['avg', 'max'] as const) {
    it(`globalPool ${mode} x=[2,5,7,12]`, async () => {
      const x = tensor([2, 5, 7, 12], 12);
      const got = await backend.read(await backend.globalPool(await backend.input(x), mode));
      const want = globalPool(x, mode);
      expect(got.shape).toEqual([2, 12]);
      expect(relativeL2(got.data, want.data)).toBeLessThan(1e-6);
    });
  }

  it('flatten x=[2,3,2,5] keeps Keras channels-last order', async () => {
    const x = tensor([2, 3, 2, 5], 13);
    const got = await backend.read(await backend.flatten(await backend.input(x)));
    expect(got.shape).toEqual([2, 30]);
    expect(Array.from(got.data)).toEqual(Array.from(x.data));
  });

  for (const [fin, fout, n, activation] of [
    [30, 20, 1, 'relu'],
    [100, 1000, 2, 'softmax'],
    [37, 9, 5, 'relu'],
  ] as const) {
    it(`dense ${activation} x=[${n},${fin}] w=[${fin},${fout}]`, async () => {
      const { layer, weights } = denseCase(fin, fout, n, fin);
      const x = tensor([n, 1, 1, fin], fin + 5); // through flatten: the way the executor feeds fc1
      const flat = { data: x.data, shape: [n, fin] };
      const xi = await backend.flatten(await backend.input(x));
      const got = await backend.read(await backend.dense(xi, await backend.prepareLayer(layer, weights), activation));
      const want = dense(flat, weights.kernel, weights.bias, activation);
      expect(got.shape).toEqual(want.shape);
      expect(relativeL2(got.data, want.data)).toBeLessThan(1e-5);
    });
  }
});

afterAll(() => {
  console.log(
    `simd ops: worst relative L2 vs float64 reference: Winograd ${worst.winograd.toExponential(2)}, fused ${worst['winograd-fused'].toExponential(2)}, F(2×2) ${worst.winograd2.toExponential(2)}, F(6×6) ${worst.winograd6.toExponential(2)}, F(6×6) fused ${worst['winograd6-fused'].toExponential(2)}, im2col ${worst.im2col.toExponential(2)}`,
  );
});

import { relativeL2, synthH5, wavyInput } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { loadVgg } from './load-vgg.js';
import { referenceBackend } from './reference/reference-backend.js';
import { wasmBackend } from './wasm/wasm-backend.js';

// The plain-loop reference backend and the wasm backend run the same graph from the same .h5.
describe('reference backend vs wasm backend on tiny inputs (relative L2 < 1e-4)', () => {
  it.each([
    ['vgg16', [32, 32], null, ['block1_conv1', 'block2_pool', 'block5_pool']],
    ['vgg19', [35, 33], 'avg', ['block3_conv4', 'block4_pool', 'global_average_pooling2d']],
    ['vgg16', [40, 32], 'max', ['global_max_pooling2d']],
  ] as const)('%s x=[1,%j,3] pooling=%s', async (model, size, pooling, layers) => {
    const h5 = await synthH5(model);
    const input = wavyInput([1, size[0], size[1], 3], 1.3);
    const ref = await loadVgg({ model, weights: h5, inputSize: [...size], pooling, backend: 'reference' });
    const fast = await loadVgg({ model, weights: h5, inputSize: [...size], pooling });
    const a = await ref.extract(input, { layers });
    const b = await fast.extract(input, { layers });
    fast.dispose();
    a.forEach((r, i) => {
      expect(b[i]!.shape).toEqual(r.shape);
      expect(relativeL2(b[i]!.data, r.data), r.layer).toBeLessThan(1e-4);
    });
  });

  it('dense layers x=[2,300] w=[300,40]: relu and softmax agree', async () => {
    // The reference backend on a full 224² VGG with its top would take minutes; check the dense op alone.
    const x = wavyInput([2, 300]);
    const k = wavyInput([300, 40], 0.5);
    const kernel = { data: k.data.map((v) => v / 3000), shape: k.shape };
    const bias = wavyInput([40], 2);
    await wasmBackend.prepare();
    for (const act of ['relu', 'softmax'] as const) {
      const r = await referenceBackend.read(referenceBackend.dense(x, kernel, bias, act));
      const w = await wasmBackend.read(wasmBackend.dense(wasmBackend.input(x), wasmBackend.uploadWeight(kernel), wasmBackend.uploadWeight(bias), act));
      expect(relativeL2(w.data, r.data), act).toBeLessThan(1e-4);
    }
  });
});

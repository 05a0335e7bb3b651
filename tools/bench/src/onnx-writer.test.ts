import * as ort from 'onnxruntime-web';
import { buildGraph } from '@vggscope/core';
import { loadVgg } from '@vggscope/kernels';
import { synthWeights } from '@vggscope/synth-weights';
import { relativeL2, wavyInput } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { vggToOnnx } from './onnx-writer.js';

describe('ONNX export for the onnxruntime-web baseline', () => {
  it('vgg19 x=[2,45,37,3]: onnxruntime-web on the exported model agrees with the engine (relative L2 < 1e-4)', async () => {
    const graph = buildGraph('vgg19', { inputSize: [45, 37] });
    const weights = synthWeights(buildGraph('vgg19'), 5);
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(vggToOnnx(graph, weights), { executionProviders: ['wasm'] });
    const x = wavyInput([2, 45, 37, 3]);
    const nchw = new Float32Array(x.data.length);
    for (let b = 0; b < 2; b++)
      for (let y = 0; y < 45; y++)
        for (let i = 0; i < 37; i++)
          for (let c = 0; c < 3; c++) nchw[((b * 3 + c) * 45 + y) * 37 + i] = x.data[((b * 45 + y) * 37 + i) * 3 + c]!;
    const out = (await session.run({ input: new ort.Tensor('float32', nchw, [2, 3, 45, 37]) })).output!;
    expect(out.dims).toEqual([2, 512, 1, 1]);
    const vgg = await loadVgg({ model: 'vgg19', weights, inputSize: [45, 37] });
    const [ours] = await vgg.extract(x);
    vgg.dispose();
    expect(ours!.shape).toEqual([2, 1, 1, 512]); // 1×1 spatial: NHWC and NCHW hold the same order
    expect(relativeL2(ours!.data, out.data as Float32Array)).toBeLessThan(1e-4);
  });
});

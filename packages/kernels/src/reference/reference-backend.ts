import type { Backend, BackendOptions, FloatTensor, LayerWeights } from '@vggscope/core';
import { conv2dBackwardData, denseBackward, globalPoolBackward, maxPool2x2Backward, reluBackward } from './backward.js';
import { conv2dRelu } from './conv2d-relu.js';
import { dense } from './dense.js';
import { globalPool } from './global-pool.js';
import { maxPool2x2 } from './max-pool.js';

/**
 * Slow plain-TypeScript loops with float64 accumulation: the cross-check for fast backends on
 * tiny inputs, never the default. Layers are the Keras tensors as given; activations are NHWC.
 */
export async function createReferenceBackend(
  _options: BackendOptions = {},
): Promise<Backend<FloatTensor, LayerWeights>> {
  return {
    name: 'reference',
    threads: 1,
    prepareLayer: (_layer, w) => w,
    disposeLayer: () => {},
    input: (batch) => ({ data: batch.data.slice(), shape: [...batch.shape] }),
    conv2dRelu: (x, l) => conv2dRelu(x, l.kernel, l.bias),
    maxPool2x2,
    globalPool,
    flatten: (x) => ({ data: x.data, shape: [x.shape[0]!, x.data.length / x.shape[0]!] }),
    dense: (x, l, activation) => dense(x, l.kernel, l.bias, activation),
    read: async (x) => ({ data: x.data.slice(), shape: [...x.shape] }),
    dispose: () => {},
    backward: {
      relu: reluBackward,
      conv2dData: (dz, l) => conv2dBackwardData(dz, l.kernel),
      maxPool2x2: maxPool2x2Backward,
      globalPool: globalPoolBackward,
      unflatten: (dy, shape) => ({ data: dy.data, shape: [...shape] }),
      dense: (dz, l) => denseBackward(dz, l.kernel),
    },
    close: () => {},
  };
}

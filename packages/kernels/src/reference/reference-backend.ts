import type { Backend, FloatTensor } from '@vggscope/core';
import { conv2dRelu } from './conv2d-relu.js';
import { dense } from './dense.js';
import { globalPool } from './global-pool.js';
import { maxPool2x2 } from './max-pool.js';

/** Slow plain-TypeScript loops: the cross-check for fast backends, never the default. */
export const referenceBackend: Backend<FloatTensor, FloatTensor> = {
  name: 'reference',
  uploadWeight: (t) => t,
  disposeWeight: () => {},
  input: (batch) => batch,
  conv2dRelu,
  maxPool2x2,
  globalPool,
  flatten: (x) => ({ data: x.data, shape: [x.shape[0]!, x.data.length / x.shape[0]!] }),
  dense,
  read: async (x) => ({ data: x.data.slice(), shape: [...x.shape] }),
  dispose: () => {},
};

import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { VggGraph, WeightSet } from '@vggscope/core';
import h5wasm from 'h5wasm/node';
import { clearObjectHeaderTimes } from './h5-reproducible.js';

/**
 * Writes the layout of the official `vgg16_weights_tf_dim_ordering_tf_kernels[_notop].h5` files
 * (Keras 1 `save_weights`): only a root `layer_names` attribute (fixed-length ASCII, no input
 * layer), one group per layer with a `weight_names` attribute, and flat datasets
 * `<layer>_W_1:0` (HWIO) / `<layer>_b_1:0`. Weightless layers get an empty float64 `weight_names`.
 * Byte-reproducible: the same graph and weights give the same file (and md5) on every run.
 */
export async function writeLegacyH5(path: string, graph: VggGraph, weights: WeightSet): Promise<void> {
  await h5wasm.ready;
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const file = new h5wasm.File(tmp, 'w');
  try {
    const names = graph.layers.filter((l) => l.spec.kind !== 'input').map((l) => l.name);
    file.create_attribute('layer_names', names, [names.length], `A${Math.max(...names.map((n) => n.length))}`);
    for (const layer of graph.layers) {
      if (layer.spec.kind === 'input') continue;
      const g = file.create_group(layer.name);
      const w = weights.layers.get(layer.name);
      if (!w) {
        g.create_attribute('weight_names', new Float64Array(0), [0], '<d');
        continue;
      }
      const wn = [`${layer.name}_W_1:0`, `${layer.name}_b_1:0`];
      g.create_attribute('weight_names', wn, [2], `A${Math.max(...wn.map((n) => n.length))}`);
      g.create_dataset({ name: wn[0]!, data: w.kernel.data, shape: [...w.kernel.shape], dtype: '<f' });
      g.create_dataset({ name: wn[1]!, data: w.bias.data, shape: [...w.bias.shape], dtype: '<f' });
    }
  } catch (e) {
    file.close();
    await rm(tmp, { force: true });
    throw e;
  }
  file.close();
  // Same weights, same bytes: HDF5's object-header timestamps are fixed (see h5-reproducible.ts).
  const bytes = new Uint8Array(await readFile(tmp));
  clearObjectHeaderTimes(bytes);
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

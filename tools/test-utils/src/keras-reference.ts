import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import type { FloatTensor, VggGraph, WeightSet } from '@vggscope/core';
import { kerasModelConfig } from '@vggscope/synth-weights';

/**
 * The independent reference: tfjs-layers deserialises the Keras model config (as Keras writes it)
 * into its own Conv2D/MaxPooling2D/Dense layers, gets the same weights through `setWeights`, and
 * predicts the requested layers on the given tfjs backend.
 */
export async function kerasReference(
  graph: VggGraph,
  weights: WeightSet,
  input: FloatTensor,
  layers: readonly string[],
  backend: 'cpu' | 'wasm',
): Promise<Map<string, FloatTensor>> {
  await tf.setBackend(backend);
  await tf.ready();
  // Build only up to the deepest requested layer, so partial weights suffice (as in the engine).
  const deepest = Math.max(...layers.map((n) => graph.layers.findIndex((l) => l.name === n)));
  const truncated = { ...graph, layers: graph.layers.slice(0, deepest + 1) };
  const model = await tfl.models.modelFromJSON({
    modelTopology: zeroInitialized(kerasModelConfig(truncated)) as tf.io.ModelJSON['modelTopology'],
  });
  return predictLayers(model, weights, input, layers);
}

/**
 * The same config with a Zeros kernel initializer: `setWeights` overwrites every kernel anyway, and
 * the default GlorotUniform draws (in JavaScript) as many random numbers as there are weights, which
 * at real widths with the top (138 M) took ≈ 7 s of each reference for values never used.
 */
function zeroInitialized(config: object): object {
  const c = config as { config: { layers: { class_name: string; config: object }[] } };
  const layers = c.config.layers.map((l) =>
    l.class_name === 'Conv2D' || l.class_name === 'Dense'
      ? { ...l, config: { ...l.config, kernel_initializer: { class_name: 'Zeros', config: {} } } }
      : l,
  );
  return { ...c, config: { ...c.config, layers } };
}

async function predictLayers(
  model: tfl.LayersModel,
  weights: WeightSet | undefined,
  input: FloatTensor,
  layers: readonly string[],
) {
  try {
    if (weights) {
      const values = model.weights.map((v) => {
        const [layer, role] = v.originalName.split('/') as [string, string];
        const w = weights.layers.get(layer);
        if (!w) throw new Error(`kerasReference: no weights for ${layer}`);
        return tf.tensor(role.startsWith('kernel') ? w.kernel.data : w.bias.data, v.shape as number[]);
      });
      model.setWeights(values);
      tf.dispose(values);
    }
    const multi = tfl.model({
      inputs: model.inputs,
      outputs: layers.map((n) => model.getLayer(n).output as tfl.SymbolicTensor),
    });
    const x = tf.tensor(input.data, [...input.shape]);
    const ys = multi.predict(x) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(ys) ? ys : [ys];
    const out = new Map<string, FloatTensor>();
    for (const [i, y] of list.entries())
      out.set(layers[i]!, { data: (await y.data()) as Float32Array, shape: y.shape });
    tf.dispose([x, ...list]);
    return out;
  } finally {
    model.dispose();
  }
}

import { kerasClassName, type GraphLayer, type VggGraph } from '@vggscope/core';

/**
 * The Keras functional `model_config` Keras itself writes for this VGG (the shape of the
 * `modelTopology` in a tfjs layers-model), so tfjs-layers can build the same model independently.
 */
export function kerasModelConfig(graph: VggGraph): object {
  const [h, w] = graph.inputSize;
  const layers = graph.layers.map((l, i) => ({
    name: l.name,
    class_name: kerasClassName(l.spec),
    config: { name: l.name, trainable: true, ...layerConfig(l, h, w) },
    inbound_nodes: i === 0 ? [] : [[[graph.layers[i - 1]!.name, 0, 0, {}]]],
  }));
  const last = graph.layers.at(-1)!.name;
  return {
    class_name: 'Model',
    config: { name: graph.model, layers, input_layers: [['input_1', 0, 0]], output_layers: [[last, 0, 0]] },
  };
}

function layerConfig(l: GraphLayer, h: number, w: number): object {
  const s = l.spec;
  switch (s.kind) {
    case 'input':
      return { batch_input_shape: [null, h, w, 3], dtype: 'float32', sparse: false };
    case 'conv':
      return {
        filters: s.filters,
        kernel_size: [3, 3],
        strides: [1, 1],
        padding: 'same',
        data_format: 'channels_last',
        dilation_rate: [1, 1],
        activation: 'relu',
        use_bias: true,
      };
    case 'pool':
      return { pool_size: [2, 2], strides: [2, 2], padding: 'valid', data_format: 'channels_last' };
    case 'flatten':
      return { data_format: 'channels_last' };
    case 'dense':
      return { units: s.units, activation: s.activation, use_bias: true };
    case 'global_pool':
      return { data_format: 'channels_last' };
  }
}

import { VggError } from '../errors.js';
import { buildGraph, weightedLayers } from '../graph.js';
import { loadWeights } from './load-weights.js';
import { type PackedDtype, type PackedHeader, readPackedHeader, writePacked } from './packed.js';

/**
 * Converts any supported source (Keras .h5, tfjs folder, packed) into the packed format. The
 * source must hold every weighted layer of the model it is converted as.
 */
export async function convertToPacked(
  source: string,
  dest: string,
  options: { model: string; includeTop: boolean; dtype?: PackedDtype; sourceMd5?: string },
): Promise<PackedHeader> {
  const graph = buildGraph(options.model, { includeTop: options.includeTop });
  const weights = await loadWeights(source, graph);
  const missing = weightedLayers(graph).filter((l) => !weights.layers.has(l.name)).map((l) => l.name);
  if (missing.length) {
    throw new VggError('E_WEIGHTS_MISSING', `cannot convert '${source}' as ${options.model}${options.includeTop ? ' with top' : ''}: it lacks ${missing.join(', ')}`);
  }
  return writePacked(dest, graph, weights, { dtype: options.dtype, sourceMd5: options.sourceMd5 });
}

/**
 * Which VGG (and whether it has the top) a weights source holds. Every VGG16 layer name exists in
 * VGG19 with the same shapes, so reading it as VGG19-with-top and asking for the two layers that
 * tell them apart decides it; packed files say so in their header.
 */
export async function detectVariant(source: string): Promise<{ model: 'vgg16' | 'vgg19'; includeTop: boolean }> {
  const header = await readPackedHeader(source).catch(() => undefined);
  if (header) return { model: header.model as 'vgg16' | 'vgg19', includeTop: header.includeTop };
  const w = await loadWeights(source, buildGraph('vgg19', { includeTop: true }), { only: new Set(['block5_conv4', 'fc1']) });
  return { model: w.layers.has('block5_conv4') ? 'vgg19' : 'vgg16', includeTop: w.layers.has('fc1') };
}

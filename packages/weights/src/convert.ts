import { VggError, isVggError } from '@vggscope/core';
import { buildGraph, weightedLayers } from '@vggscope/core';
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
  const missing = weightedLayers(graph)
    .filter((l) => !weights.layers.has(l.name))
    .map((l) => l.name);
  if (missing.length) {
    throw new VggError(
      'E_WEIGHTS_MISSING',
      `cannot convert '${source}' as ${options.model}${options.includeTop ? ' with top' : ''}: it lacks ${missing.join(', ')}`,
    );
  }
  return writePacked(dest, graph, weights, { dtype: options.dtype, sourceMd5: options.sourceMd5 });
}

/**
 * Which VGG (and whether it has the top) a weights source holds; packed files say so in their
 * header. Every VGG16 layer name exists in VGG19 with the same shapes: a whole VGG16 file read as
 * VGG19 is refused as VGG16's (E_WEIGHTS_MODEL), and a partial one lacks VGG19's `block3_conv4`.
 */
export async function detectVariant(source: string): Promise<{ model: 'vgg16' | 'vgg19'; includeTop: boolean }> {
  const header = await readPackedHeader(source).catch(() => undefined);
  if (header) return { model: header.model as 'vgg16' | 'vgg19', includeTop: header.includeTop };
  const probe = async (model: 'vgg16' | 'vgg19') =>
    loadWeights(source, buildGraph(model, { includeTop: true }), { only: new Set(['block3_conv4', 'fc1']) });
  try {
    const w = await probe('vgg19');
    return { model: w.layers.has('block3_conv4') ? 'vgg19' : 'vgg16', includeTop: w.layers.has('fc1') };
  } catch (e) {
    if (!isVggError(e, 'E_WEIGHTS_MODEL')) throw e;
    return { model: 'vgg16', includeTop: (await probe('vgg16')).layers.has('fc1') };
  }
}

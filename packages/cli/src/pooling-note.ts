import type { Pooling, VggGraph } from '@vggscope/core';

/**
 * What to tell the user when `--pooling` changes nothing, as Keras would silently ignore it: with
 * the top (Keras applies `pooling` only without it), or when every layer asked for comes before
 * the pooling layer. Undefined when the pooling is used.
 * @example poolingNote('avg', graph, ['block5_pool'], false) // "--pooling avg has no effect on block5_pool: …"
 */
export function poolingNote(
  pooling: Pooling | null,
  graph: VggGraph,
  layers: readonly string[],
  includeTop: boolean,
): string | undefined {
  if (!pooling) return undefined;
  if (includeTop)
    return `--pooling ${pooling} has no effect with --include-top (Keras pools only the model without its top)`;
  const pool = graph.layers.at(-1)!.name;
  if (layers.includes(pool)) return undefined;
  return `--pooling ${pooling} has no effect on ${layers.join(', ')}: it adds ${pool} after block5_pool; ask for --layer ${pool} (or leave out --layer) to get pooled features`;
}

import { VggError, coreErrors } from '@vggscope/core';
import { assertWeightsModel } from './weights-model.js';
import { type VggGraph, weightedLayers } from '@vggscope/core';
import { formatShape } from '@vggscope/core';
import type { LayerWeights, RawLayer, WeightFormat, WeightSet } from '@vggscope/core';

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Matches raw file layers to the graph's weighted layers by Keras name and checks every shape.
 * Keras 3 files before 3.6 carry no layer names, only `conv2d[_N]` / `dense[_N]` keys: those are
 * paired with the graph's conv and dense layers in order, as Keras itself pairs them.
 */
export function matchToGraph(
  graph: VggGraph,
  raw: readonly RawLayer[],
  meta: { source: string; format: WeightFormat; bytesRead: number; unavailable?: readonly string[] },
  only?: ReadonlySet<string>,
): WeightSet {
  assertWeightsModel(
    graph,
    raw.filter((l) => l.weights.length > 0).map((l) => l.name),
    meta.source,
  );
  const named = new Map(renameByClassOrder(graph, raw).map((l) => [l.name, l]));
  const layers = new Map<string, LayerWeights>();
  const unavailable = new Set(meta.unavailable ?? []);
  let matched = 0;
  for (const layer of weightedLayers(graph)) {
    const found = named.get(layer.name);
    if (!found) continue;
    matched++;
    if (found.weights.length !== layer.weights.length) {
      throw new VggError(
        'E_WEIGHTS_SHAPE',
        `${meta.source}: layer '${layer.name}' has ${found.weights.length} weight tensors, expected ${layer.weights.length} (kernel, bias)`,
      );
    }
    layer.weights.forEach((spec, i) => {
      const actual = found.weights[i]!.shape;
      if (!sameShape(actual, spec.shape)) {
        throw coreErrors.weightsShape(
          meta.source,
          layer.name,
          spec.role,
          formatShape(spec.shape),
          formatShape(actual),
          graph.model,
        );
      }
    });
    if (only && !only.has(layer.name)) continue;
    const [k, b] = found.weights;
    if (!k!.data || !b!.data) continue; // listed but not readable (absent shard)
    layers.set(layer.name, {
      kernel: { data: k!.data, shape: layer.weights[0]!.shape },
      bias: { data: b!.data, shape: layer.weights[1]!.shape },
    });
    unavailable.delete(layer.name);
  }
  if (matched === 0) {
    const names = raw.filter((l) => l.weights.length > 0).map((l) => l.name);
    throw new VggError(
      'E_WEIGHTS_FORMAT',
      `${meta.source}: no ${graph.model} layer found; the file has weights for ${names.slice(0, 8).join(', ') || 'no layers'}${names.length > 8 ? ', …' : ''}`,
    );
  }
  const inGraph = new Set(graph.layers.map((l) => l.name));
  return {
    source: meta.source,
    format: meta.format,
    layers,
    unavailable: [...unavailable].filter((n) => inGraph.has(n)),
    bytesRead: meta.bytesRead,
  };
}

function renameByClassOrder(graph: VggGraph, raw: readonly RawLayer[]): RawLayer[] {
  if (!raw.some((l) => l.positional)) return [...raw];
  const order = (prefix: string) =>
    raw
      .filter((l) => l.positional)
      .filter((l) => new RegExp(`^${prefix}(_\\d+)?$`).test(l.name))
      .sort((a, b) => Number(/_(\d+)$/.exec(a.name)?.[1] ?? 0) - Number(/_(\d+)$/.exec(b.name)?.[1] ?? 0));
  const convs = graph.layers.filter((l) => l.spec.kind === 'conv');
  const denses = graph.layers.filter((l) => l.spec.kind === 'dense');
  return [
    ...raw.filter((l) => !l.positional),
    ...order('conv2d').map((l, i) => ({ ...l, name: convs[i]?.name ?? l.name })),
    ...order('dense').map((l, i) => ({ ...l, name: denses[i]?.name ?? l.name })),
  ];
}

import { coreErrors } from '@vggscope/core';
import type { VggGraph } from '@vggscope/core';
import { formatShape } from '@vggscope/core';
// Imported statically although only .h5 and tfjs folders need it: a dynamic import('./…') is not
// resolved by tsx inside a pool worker running from source (see kernels/src/backends.ts).
import { loadWeights } from './load-weights.js';
import { matchToGraph } from './match-graph.js';
import { readPackedHeader, readPackedLayers } from './packed.js';
import type { LayerWeights, WeightFormat, WeightSet } from '@vggscope/core';
import type { OpenWeightsOptions, WeightLayer, WeightStream } from '@vggscope/core';
import { assertWeightsModel } from './weights-model.js';

export type { WeightLayer, WeightStream };

/**
 * The one weights path for every format (Keras .h5, tfjs folder, packed .vggw, a WeightSet in
 * memory): every tensor is checked against the graph (shapes, and that the weights belong to the
 * graph's model) before any layer is yielded, and only the layers of `only` are read. A packed f32
 * file reads its kernels straight into `options.weightStaging`'s arrays (a backend's memory).
 * Also the package's `@vggscope/weights/open` entry: the one module (and its few imports) a run needs.
 * @example for await (const l of (await openWeights('w.vggw', graph)).layers) backend.prepareLayer(…)
 */
export async function openWeights(
  weights: string | WeightSet,
  graph: VggGraph,
  only?: ReadonlySet<string>,
  options: OpenWeightsOptions = {},
): Promise<WeightStream> {
  if (typeof weights !== 'string') return drain(checkSet(weights, graph, only));
  // Not a readable packed file (another format, or a corrupt one): loadWeights sniffs it and says what it is.
  const header = await readPackedHeader(weights).catch(() => undefined);
  if (!header) return drain(await loadWeights(weights, graph, { only }));
  checkPackedHeader(weights, header, graph);
  return {
    source: weights,
    format: 'packed',
    unavailable: [],
    layers: readPackedLayers(weights, graph, only, options.weightStaging),
  };
}

/** A set given in memory goes through the same checks as a file. */
function checkSet(set: WeightSet, graph: VggGraph, only?: ReadonlySet<string>): WeightSet {
  const raw = [...set.layers].map(([name, w]) => ({
    name,
    weights: [
      { name: `${name}/kernel`, shape: w.kernel.shape, data: w.kernel.data },
      { name: `${name}/bias`, shape: w.bias.shape, data: w.bias.data },
    ],
  }));
  const checked = matchToGraph(
    graph,
    raw,
    { source: set.source, format: set.format, bytesRead: set.bytesRead, unavailable: set.unavailable },
    only,
  );
  return { ...checked, layers: checked.layers };
}

function checkPackedHeader(path: string, header: Awaited<ReturnType<typeof readPackedHeader>>, graph: VggGraph): void {
  const names = [...new Set(header.tensors.map((t) => t.layer))];
  if (header.model !== graph.model)
    throw coreErrors.weightsModel(path, graph.model, header.model, 'its header says so');
  assertWeightsModel(graph, names, path);
  const byName = new Map(graph.layers.map((l) => [l.name, l]));
  for (const t of header.tensors) {
    const spec = byName.get(t.layer)?.weights.find((w) => w.role === t.role);
    if (!spec) continue; // e.g. top layers in a file used without the top
    const same = spec.shape.length === t.shape.length && spec.shape.every((d, i) => d === t.shape[i]);
    if (!same)
      throw coreErrors.weightsShape(path, t.layer, t.role, formatShape(spec.shape), formatShape(t.shape), graph.model);
  }
}

/** Hands out a loaded set layer by layer, forgetting each one as it goes. */
function drain(set: WeightSet): WeightStream {
  const pending = new Map(set.layers);
  async function* layers(): AsyncGenerator<WeightLayer> {
    for (const [name, weights] of pending) {
      pending.delete(name);
      yield { name, weights, bytesRead: weights.kernel.data.byteLength + weights.bias.data.byteLength };
    }
  }
  return { source: set.source, format: set.format, unavailable: set.unavailable, layers: layers() };
}

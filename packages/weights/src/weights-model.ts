import { coreErrors } from '@vggscope/core';
import type { VggGraph } from '@vggscope/core';
import { MODEL_NAMES, getModelSpec } from '@vggscope/core';

const CONV = /^block(\d+)_conv(\d+)$/;

/**
 * Refuses weights that belong to another model than the graph's. VGG16 and VGG19 share most layer
 * names and every shape, so a VGG19 file read as VGG16 would "work" and silently drop layers.
 * The file's conv layers must be a prefix of the graph's (partial weights, the first blocks only,
 * stay allowed); a layer the graph lacks, or a gap the other model explains, names that model.
 * `names` are all weighted layers the file has (requested or not); positional Keras 3 names
 * (`conv2d_N`) are judged by their count.
 */
export function assertWeightsModel(graph: VggGraph, names: readonly string[], source: string): void {
  const graphConvs = convNames(graph.spec.features.map((l) => l.name));
  const fileConvs = names.filter((n) => CONV.test(n));
  const positional = names.filter((n) => /^conv2d(_\d+)?$/.test(n)).length;
  if (positional > graphConvs.length) {
    const other = modelWithConvCount(positional);
    if (other)
      throw coreErrors.weightsModel(
        source,
        graph.model,
        other,
        `${positional} conv layers, ${graph.model} has ${graphConvs.length}`,
      );
  }
  if (fileConvs.length === 0) return;
  const extra = fileConvs.filter((n) => !graphConvs.includes(n));
  const present = new Set(fileConvs);
  const firstGap = graphConvs.findIndex((n) => !present.has(n));
  const gapFollowedByMore = firstGap >= 0 && graphConvs.slice(firstGap).some((n) => present.has(n));
  if (extra.length === 0 && !gapFollowedByMore) return;
  const owner = MODEL_NAMES.find(
    (m) => m !== graph.model && isPrefixOf(fileConvs, convNames(getModelSpec(m).features.map((l) => l.name))),
  );
  if (!owner) return; // not a known model's layout: the shape and missing-layer checks report it
  const evidence = extra.length
    ? `it has ${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ', …' : ''}, which ${graph.model} lacks`
    : `it lacks ${graphConvs[firstGap]} but has later conv layers`;
  throw coreErrors.weightsModel(source, graph.model, owner, evidence);
}

function convNames(layers: readonly string[]): string[] {
  return layers.filter((n) => CONV.test(n));
}

/** True when `names` are exactly the first `names.length` convs of `model` (in any order). */
function isPrefixOf(names: readonly string[], model: readonly string[]): boolean {
  const set = new Set(names);
  return set.size <= model.length && model.slice(0, set.size).every((n) => set.has(n));
}

function modelWithConvCount(count: number): string | undefined {
  return MODEL_NAMES.find((m) => convNames(getModelSpec(m).features.map((l) => l.name)).length === count);
}

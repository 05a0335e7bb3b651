import { VggError } from './errors.js';
import type { GraphLayer, VggGraph } from './graph.js';

/**
 * Finds a layer by Keras name (`block4_pool`) or Keras index (`14`, or the number 14).
 * @example findLayer(buildGraph('vgg16'), 'block5_pool').index // 18
 */
export function findLayer(graph: VggGraph, ref: string | number): GraphLayer {
  const asIndex = typeof ref === 'number' ? ref : /^\d+$/.test(ref.trim()) ? Number(ref) : undefined;
  if (asIndex !== undefined) {
    const layer = graph.layers[asIndex];
    if (!layer) {
      throw new VggError(
        'E_UNKNOWN_LAYER',
        `layer index ${asIndex} is out of range for ${describe(graph)}: valid indices are 0…${graph.layers.length - 1}`,
      );
    }
    return layer;
  }
  const name = String(ref).trim();
  const layer = graph.layers.find((l) => l.name === name);
  if (layer) return layer;
  const closest = closestName(
    name,
    graph.layers.map((l) => l.name),
  );
  const hint = closest ? `did you mean '${closest}'? ` : '';
  const topHint =
    ['flatten', 'fc1', 'fc2', 'predictions'].includes(name) && !graph.includeTop ? 'it needs --include-top; ' : '';
  throw new VggError(
    'E_UNKNOWN_LAYER',
    `unknown layer '${name}' in ${describe(graph)}; ${topHint}${hint}(valid: ${graph.layers.map((l) => l.name).join(', ')})`,
  );
}

/** Resolves several references, keeping request order and dropping duplicates. */
export function findLayers(graph: VggGraph, refs: readonly (string | number)[]): GraphLayer[] {
  const seen = new Set<number>();
  const out: GraphLayer[] = [];
  for (const ref of refs) {
    const layer = findLayer(graph, ref);
    if (!seen.has(layer.index)) {
      seen.add(layer.index);
      out.push(layer);
    }
  }
  return out;
}

function describe(graph: VggGraph): string {
  return `${graph.model}${graph.includeTop ? ' (with top)' : graph.pooling ? ` (pooling=${graph.pooling})` : ' (no top)'}`;
}

/**
 * The candidate with the smallest edit distance, if close enough to be a plausible typo; ties go
 * to the one whose numbers are nearest (block6_conv1 → block5_conv1, not block1_conv1).
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = [Infinity, Infinity];
  for (const c of candidates) {
    const score = [editDistance(name.toLowerCase(), c.toLowerCase()), numericGap(name, c)];
    if (score[0]! < bestScore[0]! || (score[0] === bestScore[0] && score[1]! < bestScore[1]!)) {
      bestScore = score;
      best = c;
    }
  }
  return bestScore[0]! <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function numericGap(a: string, b: string): number {
  const na = (a.match(/\d+/g) ?? []).map(Number);
  const nb = (b.match(/\d+/g) ?? []).map(Number);
  return na.reduce((s, v, i) => s + Math.abs(v - (nb[i] ?? 0)), 0);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

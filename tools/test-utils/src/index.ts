import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildGraph,
  type FloatTensor,
  type GraphOptions,
  type LayerWeights,
  tinyVgg,
  sizeOf,
  type VggGraph,
  type WeightSet,
  type WeightSpec,
  weightedLayers,
} from '@vggscope/core';
import { writePacked } from '@vggscope/weights';
import { synthWeights, writeLegacyH5, writeTfjsFolder } from '@vggscope/synth-weights';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/**
 * The built CLI, as `npx vggscope` runs it. Vitest's global setup (build-before-tests.ts) brings the
 * build up to date first, so child processes start in ~0.2 s instead of compiling the sources with tsx.
 */
export const CLI_ENTRY = join(REPO_ROOT, 'packages/cli/bin/vggscope.js');

/** `../shared/fixtures` beside the repo (read-only), or undefined when this checkout has none. */
export const FIXTURES = [process.env.VGGSCOPE_FIXTURES, join(REPO_ROOT, '../shared/fixtures')].find(
  (p) => p && existsSync(p),
);
export const NO_FIXTURES_REASON = `../shared/fixtures not found beside ${REPO_ROOT} (set VGGSCOPE_FIXTURES to its path)`;

export function fixture(...parts: string[]): string {
  if (!FIXTURES) throw new Error(NO_FIXTURES_REASON);
  return join(FIXTURES, ...parts);
}

/** ‖a − b‖₂ / ‖b‖₂, the comparison the project states tolerances in (b is the reference). */
export function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relativeL2: lengths differ (${a.length} vs ${b.length})`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / (den || 1));
}

/** A deterministic, non-trivial input batch (values in the caffe-preprocessed range). */
export function wavyInput(shape: readonly number[], phase = 0): FloatTensor {
  const n = sizeOf(shape);
  return {
    data: Float32Array.from({ length: n }, (_, i) => 110 * Math.sin(i * 0.37 + phase) + 20 * Math.cos(i * 0.011)),
    shape,
  };
}

// Bump the version when the generator's values change, so stale cached files are not reused.
const CACHE = join(tmpdir(), 'vggscope-test-weights-v3');

/**
 * Path of a synthetic legacy-layout `.h5` (and optionally its tfjs folder) for this model,
 * generated once per machine and reused: tests share them across files and runs.
 */
export async function synthH5(
  model: 'vgg16' | 'vgg19',
  options: GraphOptions & { seed?: number; tfjs?: boolean } = {},
): Promise<string> {
  const top = options.includeTop ? 'top' : 'notop';
  const seed = options.seed ?? 7;
  const base = join(CACHE, `${model}-${top}-s${seed}`);
  const h5 = `${base}.h5`;
  const graph = buildGraph(model, { includeTop: options.includeTop });
  if (!(await exists(h5))) await writeLegacyH5(h5, graph, synthWeights(graph, seed));
  if (options.tfjs && !(await exists(join(`${base}-tfjs`, 'model.json')))) {
    await writeTfjsFolder(`${base}-tfjs`, graph, synthWeights(graph, seed));
  }
  return h5;
}

/** The same synthetic weights as a packed .vggw (fast to load, and no h5wasm in worker threads). */
export async function synthPacked(model: 'vgg16' | 'vgg19', options: { seed?: number } = {}): Promise<string> {
  const seed = options.seed ?? 7;
  const path = join(CACHE, `${model}-notop-s${seed}.vggw`);
  if (!(await exists(path))) {
    const graph = buildGraph(model);
    await writePacked(path, graph, synthWeights(graph, seed));
  }
  return path;
}

/**
 * `synthWeights(graph, seed)`, read back from a per-machine file after the first call when the set is
 * large: the generator's Box–Muller draws cost ≈ 0.6 s per 10 M values (VGG16 with the top: 138 M,
 * 5-8 s), reading the file ≈ 0.1 s per 100 MB. Same values, one fresh array per kernel and bias.
 */
export async function cachedSynthWeights(graph: VggGraph, seed: number): Promise<WeightSet> {
  const layers = weightedLayers(graph);
  const specs = layers.map((l) => [l.name, l.weights.map((w) => w.shape)]);
  const total = layers.reduce((n, l) => n + l.weights.reduce((m, w) => m + sizeOf(w.shape), 0), 0);
  if (total < 5_000_000) return synthWeights(graph, seed);
  const key = createHash('sha256').update(JSON.stringify(specs)).digest('hex').slice(0, 16);
  const path = join(CACHE, `synth-${key}-s${seed}.f32`);
  const file = await open(path).catch(() => undefined);
  if (!file || (await file.stat()).size !== total * 4) {
    await file?.close();
    const set = synthWeights(graph, seed);
    const part = `${path}.${process.pid}.part`; // two workers may write it at once: rename is atomic
    // Best effort: a full or read-only temp folder (a small CI disk) costs the next run time, not a failure.
    await mkdir(CACHE, { recursive: true })
      .then(() =>
        writeFile(
          part,
          layers.flatMap((l) => {
            const w = set.layers.get(l.name)!;
            return [w.kernel.data, w.bias.data].map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
          }),
        ),
      )
      .then(() => rename(part, path))
      .catch(() => rm(part, { force: true }));
    return set;
  }
  const out = new Map<string, LayerWeights>();
  try {
    let position = 0;
    const take = async (shape: readonly number[]) => {
      const data = new Float32Array(sizeOf(shape));
      const bytes = new Uint8Array(data.buffer);
      for (let at = 0; at < bytes.length;) {
        const { bytesRead } = await file.read(bytes, at, bytes.length - at, position + at);
        if (bytesRead === 0) throw new Error(`cachedSynthWeights: ${path} ended early`);
        at += bytesRead;
      }
      position += bytes.length;
      return { data, shape };
    };
    for (const l of layers) {
      const [k, b] = l.weights as readonly [WeightSpec, WeightSpec];
      out.set(l.name, { kernel: await take(k.shape), bias: await take(b.shape) });
    }
  } finally {
    await file.close();
  }
  return { source: `synthetic(seed=${seed})`, format: 'synthetic', layers: out, unavailable: [], bytesRead: 0 };
}

export type WeightsFileFormat = 'h5' | 'tfjs' | 'packed';

/**
 * Seeded weights for a tiny VGG (`tinyVgg(model)`, the CLI's `--model tiny-vgg16|tiny-vgg19`) in
 * one of the three on-disk formats, written once per machine: kilobytes instead of the hundreds of
 * MB of a real-width synthetic file.
 */
export async function tinyWeights(
  model: 'vgg16' | 'vgg19',
  format: WeightsFileFormat,
  options: { includeTop?: boolean; seed?: number } = {},
): Promise<string> {
  const seed = options.seed ?? 7;
  const graph = buildGraph(tinyVgg(model), { includeTop: options.includeTop });
  const base = join(CACHE, `tiny-${model}-${options.includeTop ? 'top' : 'notop'}-s${seed}`);
  const path = format === 'h5' ? `${base}.h5` : format === 'packed' ? `${base}.vggw` : `${base}-tfjs`;
  if (await exists(format === 'tfjs' ? join(path, 'model.json') : path)) return path;
  const weights = synthWeights(graph, seed);
  if (format === 'h5') await writeLegacyH5(path, graph, weights);
  else if (format === 'packed') await writePacked(path, graph, weights);
  else await writeTfjsFolder(path, graph, weights);
  return path;
}

export function synthTfjsDir(h5Path: string): string {
  return h5Path.replace(/\.h5$/, '-tfjs');
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** The first python3 with numpy, for proving `.npy` files load in NumPy; undefined if none. */
export const PYTHON_WITH_NUMPY = ['python3', '/usr/bin/python3'].find(
  (py) => spawnSync(py, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0,
);

/** Test-title suffix that says why a test is skipped, only when it is. */
export function skipNote(skipped: boolean, reason: string): string {
  return skipped ? ` (skipped: ${reason})` : '';
}

/**
 * Byte edits (offset, new value) of the Keras 3 fixture `keras-h5/pre_pr22362_nested_container.model.weights.h5`
 * that send the HDF5 library into an endless loop (found by fuzzing): readers must stop at their time budget.
 */
export const HDF5_LOOP_EDITS: readonly (readonly [number, number])[] = [
  [1184, 138],
  [3525, 182],
  [4023, 86],
  [3708, 191],
  [2040, 67],
  [3158, 130],
  [2558, 171],
];

// The engine in a dedicated Web Worker: the page's main thread may not block in Atomics.wait, a
// worker may, so the simd team's coordinator (this thread) and its helpers run here. The readers
// are the same modules the CLI uses (packed weights, image decoders) over in-memory files.
import {
  buildGraph,
  createVgg,
  isVggError,
  resolveVggConfig,
  type Vgg,
  VggError,
  type WeightSet,
} from '@vggscope/core';
import {
  decodePredictions,
  gradCamFromActivation,
  lastConvLayer,
  readTopWeights,
  saliency,
  type TopWeights,
} from '@vggscope/explain';
import { loadInput } from '@vggscope/image';
import { createSimdBackend, type SimdBackend } from '@vggscope/kernels/simd';
import { onNotice } from '@vggscope/platform';
import {
  h5TimeoutError,
  loadWeights,
  openWeights,
  parseBudgetMs,
  prepareKerasH5,
  readPackedHeader,
} from '@vggscope/weights';
import type { FromEngine, ToEngine } from './protocol.js';
import { dropFile, fileBytes, hasFile, putFile } from './shims/memory-files.js';

interface WorkerScope {
  postMessage(message: FromEngine, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToEngine>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const post = (m: FromEngine, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

const notices: string[] = [];
onNotice((message) => {
  notices.push(message);
  post({ type: 'notice', message });
});

let session: { vgg: Vgg; backend: SimdBackend; layers: string[]; top?: TopWeights } | undefined;
let queue = Promise.resolve();

scope.onmessage = (event) => {
  queue = queue.then(() => handle(event.data)).catch(fail);
};

async function handle(message: ToEngine): Promise<void> {
  if (message.type === 'load') await load(message);
  else await run(message);
}

/** The JPEG and WebP decoders read their .wasm by package path: the page serves them beside this script. */
const codecs = Promise.all(
  [
    ['@cwasm/jpeg-turbo/jpeg-turbo.wasm', 'jpeg-turbo.wasm'],
    ['@saschazar/wasm-webp/wasm_webp.wasm', 'wasm_webp.wasm'],
    // decodePredictions reads the class index beside its module: in this bundle, /data/ beside the page.
    [new URL('../data/imagenet_class_index.json', import.meta.url).pathname, 'data/imagenet_class_index.json'],
  ].map(async ([spec, file]) => {
    const response = await fetch(new URL(`./${file}`, import.meta.url));
    if (response.ok) putFile(spec!, new Uint8Array(await response.arrayBuffer()));
  }),
);

async function load({ id, model, weights, threads }: Extract<ToEngine, { type: 'load' }>): Promise<void> {
  await codecs;
  await session?.vgg.close();
  session = undefined;
  // The same paths a CLI user would give: the file, or the tfjs folder holding model.json.
  const path = `/weights/${weights.name}`;
  const held = weights.files.map((f) => `/weights/${f.path}`);
  weights.files.forEach((f, i) => putFile(held[i]!, new Uint8Array(f.bytes)));
  try {
    const budget = await h5Budget(path);
    if (budget) post({ type: 'watchdog', ms: budget.ms, code: budget.error.code, message: budget.error.message });
    const { source, includeTop, format } = await readWeights(path, model);
    if (budget) post({ type: 'watchdog', ms: 0 });
    const last = includeTop ? 'predictions' : 'block5_pool';
    const { config, graph } = resolveVggConfig({ model, includeTop, weights: source, layers: [last] });
    const layers = graph.layers
      .filter((l) => l.index > 0 && (l.outputShape.length === 3 || l.name === 'predictions'))
      .map((l) => l.name);
    const filters = await firstFilters(source, model);
    const backend = await createSimdBackend({ threads: threads ? navigator.hardwareConcurrency : 1 });
    const vgg = await createVgg(backend, config, { openWeights, loadInput, ownsBackend: true });
    const top = includeTop ? await readTopWeights(source, graph) : undefined; // Grad-CAM's backward pass
    session = { vgg, backend, layers, top };
    post(
      {
        type: 'loaded',
        id,
        model,
        includeTop,
        format,
        threads: backend.threads,
        arithmetic: backend.arithmetic,
        layers,
        notices,
        filters,
      },
      [filters.data],
    );
  } finally {
    held.forEach(dropFile); // the backend holds its own copy of every layer
  }
}

/**
 * A Keras .h5 is parsed in this thread (no worker files in a page), where a corrupt file can send
 * HDF5 into a loop: the page stops this worker past the reader's own time budget (Node's reader
 * stops its worker the same way), started once h5wasm is up, with the reader's own message.
 */
async function h5Budget(path: string): Promise<{ ms: number; error: VggError } | undefined> {
  if (!hasFile(path)) return undefined; // a tfjs folder
  const bytes = fileBytes(path);
  if (!HDF5_SIGNATURE.every((b, i) => bytes[i] === b)) return undefined;
  const ms = parseBudgetMs(bytes.length, await prepareKerasH5());
  return { ms, error: h5TimeoutError(path, ms) };
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The weights as the engine reads them, by the CLI's readers: a packed file streams layer by layer
 * from its path (its header says whether it has the classifier); a Keras .h5 or a tfjs folder is
 * read once, in full, against the graph with the classifier — so refusals (a truncated file, the
 * other model's weights) are the CLI's, naming the same path — and has the classifier if fc1 is there.
 */
async function readWeights(
  path: string,
  model: string,
): Promise<{ source: string | WeightSet; includeTop: boolean; format: string }> {
  const header = await readPackedHeader(path).catch(() => undefined);
  if (header) return { source: path, includeTop: header.includeTop, format: 'packed' };
  const set = await loadWeights(path, buildGraph(model, { includeTop: true }));
  return { source: set, includeTop: set.layers.has('fc1'), format: set.format };
}

async function run({ image }: Extract<ToEngine, { type: 'run' }>): Promise<void> {
  if (!session) throw new VggError('E_USAGE', 'no model is loaded: choose weights (the last ones were refused)');
  const path = `/images/${image.name.replace(/[/\\]/g, '_')}`;
  putFile(path, new Uint8Array(image.bytes));
  const { vgg, layers } = session;
  const t0 = performance.now();
  let done = 0;
  try {
    const outputs = await vgg.extract(path, {
      layers,
      onLayer: (layer, ms) => post({ type: 'layer', layer, ms, done: ++done, total: vgg.graph.layers.length - 1 }),
    });
    const predictions = outputs.find((o) => o.layer === 'predictions');
    const top5 =
      predictions && decodePredictions(predictions)[0]!.map((p) => ({ label: p.label, probability: p.probability }));
    const gradCam = session.top && camOf(outputs, session.top);
    const wire = outputs.map((o) => ({
      layer: o.layer,
      shape: [...o.shape],
      data: o.data.buffer as ArrayBuffer,
      ms: o.ms,
    }));
    // Chosen before the result's buffers are transferred (and so detached here).
    const filter = vgg.graph.includeTop
      ? undefined
      : mostActiveFilter(outputs.find((o) => o.layer === lastConvLayer(vgg.graph))!);
    post(
      { type: 'result', outputs: wire, totalMs: performance.now() - t0, top5, gradCam },
      wire.map((o) => o.data),
    );
    if (vgg.gradients) await postSaliency(vgg, path, filter);
  } finally {
    dropFile(path);
  }
}

/**
 * Vanilla saliency by explain's `saliency` (as `vggscope saliency`): for the top-1 class when the
 * weights have the classifier, else for the last conv layer's most active filter on this image
 * (the largest mean activation; the first on ties), a filter objective (`--layer --filter`).
 */
async function postSaliency(vgg: Vgg, path: string, filter: number | undefined): Promise<void> {
  const x = await loadInput(path, vgg.graph.inputSize);
  const layer = lastConvLayer(vgg.graph);
  const r = await saliency(vgg, x, filter === undefined ? {} : { objective: { kind: 'filter', layer, filter } });
  const objective = r.class
    ? ({ kind: 'class', class: r.class.index, label: r.class.label } as const)
    : ({ kind: 'filter', layer, filter: filter! } as const);
  const map = r.map.data.buffer as ArrayBuffer;
  post({ type: 'saliency', map, shape: [...r.map.shape], objective }, [map]);
}

/** The channel with the largest mean over the map (the first on ties). */
function mostActiveFilter(a: { data: Float32Array; shape: readonly number[] }): number {
  const c = a.shape.at(-1)!;
  const sums = new Float64Array(c);
  for (let i = 0; i < a.data.length; i++) sums[i % c]! += a.data[i]!;
  let best = 0;
  for (let k = 1; k < c; k++) if (sums[k]! > sums[best]!) best = k;
  return best;
}

/** Grad-CAM of the top-1 class from the last conv layer's activation (explain's implementation, as `vggscope cam`). */
function camOf(outputs: readonly { layer: string; data: Float32Array; shape: readonly number[] }[], top: TopWeights) {
  const layer = lastConvLayer(session!.vgg.graph);
  const a = outputs.find((o) => o.layer === layer)!;
  const cam = gradCamFromActivation({ data: a.data, shape: [...a.shape] }, top, undefined, layer);
  return { label: cam.class.label, layer, heatmap: Array.from(cam.heatmap.data), shape: [...cam.heatmap.shape] };
}

/** block1_conv1's kernel, read by the same reader as the rest (only that layer). */
async function firstFilters(path: string | WeightSet, model: string): Promise<{ data: ArrayBuffer; shape: number[] }> {
  const stream = await openWeights(path, buildGraph(model), new Set(['block1_conv1']));
  for await (const layer of stream.layers) {
    const k = layer.weights.kernel;
    return { data: k.data.slice().buffer as ArrayBuffer, shape: [...k.shape] };
  }
  return { data: new ArrayBuffer(0), shape: [] };
}

function fail(e: unknown): void {
  if (isVggError(e)) post({ type: 'error', code: e.code, message: e.message, hint: e.hint });
  else post({ type: 'error', code: 'E_INTERNAL', message: e instanceof Error ? e.message : String(e) });
}

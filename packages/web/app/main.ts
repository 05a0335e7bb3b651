// The explorer page: chooses an image and weights, runs the engine in a dedicated worker, and draws
// what comes back. Everything is computed in the browser by the same wasm engine as the CLI.
import { buildGraph, featureMapSizes, formatShape, isVggError, modelSummary } from '@vggscope/core';
import { encodeNpy } from '@vggscope/io';
import { drawFilters } from './filters.js';
import { drawGrid } from './grid.js';
import type { FromEngine, ToEngine, WireOutput } from './protocol.js';
import { forgetPicks, listPicks, readPick, storePick } from './picked-weights.js';
import { $ } from './dom.js';
import { drawCam, drawSaliency } from './heatmaps.js';
import { showPicks, storageProblem } from './picks-ui.js';
import { cachedWeights, type ServerWeights } from './weights-cache.js';

let engine = startEngine();
/** Stops the engine worker when a read it cannot stop itself (HDF5) overruns its budget. */
let watchdog: ReturnType<typeof setTimeout> | undefined;
const state: {
  phase: 'idle' | 'loading' | 'running' | 'done' | 'error';
  outputs: WireOutput[];
  error?: { code: string; message: string; hint?: string };
  threads?: number;
  /** The server's weights from Cache Storage or the network; picked ones from a file picker or from OPFS. */
  weightsFrom?: 'cache' | 'network' | 'picker' | 'opfs';
  gradCam?: Extract<FromEngine, { type: 'result' }>['gradCam'];
  /** The last image's vanilla saliency map (`[h, w]`, row-major) and what was differentiated. */
  saliency?: { map: number[]; shape: number[]; objective: Extract<FromEngine, { type: 'saliency' }>['objective'] };
  /** Whether the loaded weights hold the classifier, and their format, as the engine's reader found. */
  includeTop?: boolean;
  format?: string;
  /** The last pass's milliseconds (decode + preprocess + every layer), as measured in the engine worker. */
  lastTotalMs?: number;
  /** Milliseconds from navigation start to the first result (time to first result). */
  firstResultMs?: number;
} = { phase: 'idle', outputs: [] };
/**
 * The chosen weights: one file (`.vggw`, `.h5`), or a tfjs folder's files under the folder's name;
 * `picked` ones are kept in the browser once the engine accepts them (picked-weights.ts).
 */
let weights:
  { name: string; files: { path: string; bytes: ArrayBuffer }[]; model: string; picked: boolean } | undefined;
/** The last load sent to the engine (its `loaded` echoes the id), and the weights it carried. */
let lastLoad: { id: number; weights: NonNullable<typeof weights> } | undefined;
let image: { name: string; bytes: ArrayBuffer } | undefined;

/** How the page names the kernel build (`SimdBackend.arithmetic`). */
const BUILD_LABEL: Record<string, string> = { fma: 'FMA', 'fma-emulated': 'emulated-FMA', 'mul-add': 'mul+add' };

const send = (m: ToEngine, transfer: Transferable[] = []) => engine.postMessage(m, transfer);
const setPhase = (phase: typeof state.phase, text: string) => {
  state.phase = phase;
  $('status').dataset.state = phase;
  $('status').textContent = text;
};

function startEngine(): Worker {
  const worker = new Worker(new URL('./engine-worker.js', import.meta.url), {
    type: 'module',
    name: 'vggscope-engine',
  });
  worker.onmessage = onEngineMessage;
  return worker;
}

/**
 * A fresh engine worker in place of one stopped mid-read (or one whose HDF5 failed: a wasm abort
 * leaves h5wasm's state unknown, as Node's reader assumes when it replaces its worker). No model is
 * loaded until weights are chosen again.
 */
function restartEngine(): void {
  clearTimeout(watchdog);
  watchdog = undefined;
  engine.terminate();
  engine = startEngine();
  state.threads = undefined;
}

function onEngineMessage({ data }: MessageEvent<FromEngine>): void {
  switch (data.type) {
    case 'watchdog':
      clearTimeout(watchdog);
      watchdog = data.ms
        ? setTimeout(() => {
            restartEngine();
            showError({ code: data.code!, message: data.message! });
          }, data.ms)
        : undefined;
      break;
    case 'notice':
      $('notices').textContent = data.message;
      break;
    case 'loaded':
      state.threads = data.threads;
      state.includeTop = data.includeTop;
      state.format = data.format;
      $('threads-info').textContent =
        `${data.threads} thread${data.threads > 1 ? 's' : ''}, ${BUILD_LABEL[data.arithmetic] ?? data.arithmetic} build`;
      drawFilters($('filters') as HTMLCanvasElement, new Float32Array(data.filters.data), data.filters.shape);
      renderSummary();
      runImage();
      if (data.id === lastLoad?.id && lastLoad.weights.picked) keepPick(lastLoad.weights, data);
      break;
    case 'layer':
      ($('progress') as HTMLProgressElement).value = data.done / data.total;
      $('status').textContent = `running: ${data.layer} (${data.done}/${data.total})`;
      break;
    case 'result':
      state.outputs = data.outputs.filter((o) => o.shape.length === 4);
      $('top5').innerHTML = data.top5
        ? data.top5.map((p) => `<li>${p.label} — ${(p.probability * 100).toFixed(2)}%</li>`).join('')
        : '<li>no classifier in these weights (no-top): no top-5</li>';
      render(data.totalMs);
      state.gradCam = data.gradCam;
      drawCam(data.gradCam);
      state.firstResultMs ??= performance.now();
      state.lastTotalMs = data.totalMs;
      setPhase('done', `done in ${data.totalMs.toFixed(0)} ms`);
      break;
    case 'saliency':
      state.saliency = { map: Array.from(new Float32Array(data.map)), shape: data.shape, objective: data.objective };
      drawSaliency(new Float32Array(data.map), data.shape, data.objective);
      break;
    case 'error':
      if (watchdog !== undefined) restartEngine();
      showError(data);
  }
}

function showError(e: { code: string; message: string; hint?: string }): void {
  state.error = e;
  $('error').textContent = `${e.code}: ${e.message}${e.hint ? `\n${e.hint}` : ''}`;
  setPhase('error', 'failed (the page still works: choose another file)');
}

function loadModel(): void {
  if (!weights || !image) return;
  state.error = undefined;
  $('error').textContent = '';
  setPhase('loading', 'loading the model…');
  const files = weights.files.map((f) => ({ path: f.path, bytes: f.bytes.slice(0) }));
  lastLoad = { id: (lastLoad?.id ?? 0) + 1, weights };
  send(
    {
      type: 'load',
      id: lastLoad.id,
      model: weights.model,
      weights: { name: weights.name, files },
      threads: ($('threads') as HTMLInputElement).checked,
    },
    files.map((f) => f.bytes),
  );
}

function runImage(): void {
  if (!image) return;
  state.error = undefined;
  $('error').textContent = '';
  setPhase('running', 'running…');
  state.saliency = undefined;
  const copy = image.bytes.slice(0);
  send({ type: 'run', image: { name: image.name, bytes: copy } }, [copy]);
}

function render(totalMs: number): void {
  const picker = $('layer') as HTMLSelectElement;
  const chosen = picker.value;
  picker.replaceChildren(
    ...state.outputs.map((o) => new Option(`${o.layer} [${o.shape.slice(1).join('×')}]`, o.layer)),
  );
  picker.value = state.outputs.some((o) => o.layer === chosen) ? chosen : 'block1_conv1';
  drawChosen();
  const rows = state.outputs.map(
    // A layer's time is the step from the previous output's (each output's `ms` counts from the pass's start).
    (o, i) =>
      `<tr><td>${o.layer}</td><td>${o.shape.slice(1).join(' × ')}</td><td>${(o.ms - (state.outputs[i - 1]?.ms ?? 0)).toFixed(1)}</td></tr>`,
  );
  $('layers').innerHTML =
    `<tr><th>layer</th><th>output</th><th>ms</th></tr>${rows.join('')}<tr><th>total</th><td></td><th>${totalMs.toFixed(0)}</th></tr>`;
  const lastConvs = $('last-convs');
  lastConvs.replaceChildren();
  for (const o of state.outputs.filter(
    (x, i, all) => /_conv/.test(x.layer) && !/_conv/.test(all[i + 1]?.layer ?? ''),
  )) {
    const fig = document.createElement('figure');
    const canvas = document.createElement('canvas');
    drawGrid(canvas, new Float32Array(o.data), o.shape);
    fig.append(canvas, Object.assign(document.createElement('figcaption'), { textContent: o.layer }));
    lastConvs.append(fig);
  }
}

/** Keras' model.summary() and the feature-map sizes, from the graph (no weights needed). */
function renderSummary(): void {
  if (!weights) return;
  const graph = buildGraph(weights.model, { includeTop: state.includeTop });
  const { rows, totalParams } = modelSummary(graph);
  const sizes = featureMapSizes(graph);
  $('summary').innerHTML =
    '<tr><th>#</th><th>layer (type)</th><th>output shape</th><th>params</th><th>activation</th></tr>' +
    rows
      .map(
        (r, i) =>
          `<tr><td>${i}</td><td>${r.name} (${r.type})</td><td>${formatShape(r.outputShape)}</td><td>${r.params.toLocaleString('en-US')}</td><td>${(sizes[i]!.bytes / 2 ** 20).toFixed(2)} MiB</td></tr>`,
      )
      .join('') +
    `<tr><th></th><th>total</th><th></th><th>${totalParams.toLocaleString('en-US')}</th><th></th></tr>`;
}

function drawChosen(): void {
  const o = state.outputs.find((x) => x.layer === ($('layer') as HTMLSelectElement).value);
  if (o) drawGrid($('grid') as HTMLCanvasElement, new Float32Array(o.data), o.shape);
}

function download(name: string, blob: Blob): void {
  const a = Object.assign(document.createElement('a'), { href: URL.createObjectURL(blob), download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

async function chooseImage(file: File): Promise<void> {
  image = { name: file.name, bytes: await file.arrayBuffer() };
  ($('preview') as HTMLImageElement).src = URL.createObjectURL(file);
  if (state.threads === undefined) loadModel();
  else runImage();
}

async function start(): Promise<void> {
  ($('threads') as HTMLInputElement).checked = crossOriginIsolated;
  ($('threads') as HTMLInputElement).disabled = !crossOriginIsolated;
  if (!crossOriginIsolated) $('notices').textContent = 'not cross-origin isolated: the engine runs on one thread';
  $('file').addEventListener('change', () => {
    const input = $('file') as HTMLInputElement;
    const f = input.files?.[0];
    if (f) void chooseImage(f);
    input.value = ''; // choosing the same file again runs it again
  });
  for (const id of ['weights-file', 'weights-folder'])
    $(id).addEventListener('change', async () => {
      const input = $(id) as HTMLInputElement;
      const files = [...(input.files ?? [])];
      input.value = ''; // choosing the same files again loads them again
      if (files.length) await chooseWeights(files);
    });
  $('drop').addEventListener('dragover', (e) => e.preventDefault());
  $('drop').addEventListener('drop', (e) => {
    e.preventDefault();
    const f = (e as DragEvent).dataTransfer?.files[0];
    if (f) void chooseImage(f);
  });
  $('threads').addEventListener('change', loadModel);
  $('model').addEventListener('change', () => {
    if (weights) weights = { ...weights, model: ($('model') as HTMLSelectElement).value };
    loadModel();
  });
  $('layer').addEventListener('change', drawChosen);
  $('cached-weights').addEventListener('change', () => {
    const sha = ($('cached-weights') as HTMLSelectElement).value;
    if (sha) void chooseCached(sha);
  });
  $('forget-weights').addEventListener('click', () =>
    forgetPicks().then(() => {
      showPicks([]);
      $('cache-note').textContent = 'cached weights forgotten';
    }, storageProblem),
  );
  void listPicks().then(showPicks, storageProblem);
  $('npy').addEventListener('click', () => {
    const o = state.outputs.find((x) => x.layer === ($('layer') as HTMLSelectElement).value);
    if (o)
      download(`${o.layer}.npy`, new Blob([encodeNpy({ data: new Float32Array(o.data), shape: o.shape }) as BlobPart]));
  });
  $('png').addEventListener('click', () =>
    ($('grid') as HTMLCanvasElement).toBlob((b) => b && download(`${($('layer') as HTMLSelectElement).value}.png`, b)),
  );
  const sample = await fetch('sample/chelsea.png');
  image = { name: 'chelsea.png', bytes: await sample.arrayBuffer() };
  const list = (await (await fetch('weights.json')).json()) as ServerWeights[];
  const model = $('model') as HTMLSelectElement;
  model.replaceChildren(
    ...['vgg16', 'vgg19', ...list.map((w) => w.model)]
      .filter((m, i, a) => a.indexOf(m) === i)
      .map((m) => new Option(m, m)),
  );
  const first = list[0];
  if (!first) {
    setPhase('idle', 'no weights on the server: choose a .vggw file');
    return;
  }
  model.value = first.model;
  setPhase('loading', 'downloading weights…');
  const fetched = await cachedWeights(first, (got, total) => {
    ($('progress') as HTMLProgressElement).value = total ? got / total : 0;
    $('status').textContent = `weights: ${(got / 1e6).toFixed(1)} MB`;
  });
  state.weightsFrom = fetched.from;
  weights = {
    name: first.name,
    model: first.model,
    files: [{ path: first.name, bytes: fetched.bytes }],
    picked: false,
  };
  loadModel();
}

/**
 * Weights the user picked: one file (a packed `.vggw` or a Keras `.h5`), or a tfjs folder —
 * `model.json` and its shards, from the folder picker or chosen together — read by the engine
 * as the CLI reads the folder. The model is the picker's: weights of another model are refused by
 * the reader with the CLI's message, as are truncated files.
 */
async function chooseWeights(files: File[]): Promise<void> {
  const model = ($('model') as HTMLSelectElement).value;
  const clean = (p: string) => p.replace(/[\\]/g, '/').replace(/(^|\/)\.\.?(?=\/|$)/g, '$1_');
  if (files.length === 1 && !files[0]!.webkitRelativePath) {
    const f = files[0]!;
    const bytes = await f.arrayBuffer();
    weights = { name: clean(f.name), model, files: [{ path: clean(f.name), bytes }], picked: true };
  } else {
    // A folder keeps its name (the picker's relative paths), loose files get one.
    const folder = clean(files[0]!.webkitRelativePath.split('/')[0] || 'tfjs');
    const read = files.map(async (f) => ({
      path: f.webkitRelativePath ? clean(f.webkitRelativePath) : `${folder}/${clean(f.name)}`,
      bytes: await f.arrayBuffer(),
    }));
    weights = { name: folder, model, files: await Promise.all(read), picked: true };
  }
  state.weightsFrom = 'picker';
  loadModel();
}

/** Keeps picked weights the engine accepted in OPFS, with what the engine found in them. */
function keepPick(w: NonNullable<typeof weights>, loaded: Extract<FromEngine, { type: 'loaded' }>): void {
  storePick({
    name: w.name,
    model: w.model,
    includeTop: loaded.includeTop,
    format: loaded.format,
    files: w.files,
  }).then((picks) => {
    showPicks(picks);
    $('cache-note').textContent = ''; // a note on an earlier pick (forgotten, too large) is stale now
  }, storageProblem);
}

/** A kept pick, read from OPFS with progress and checked against its sha256, then loaded as if picked. */
async function chooseCached(sha: string): Promise<void> {
  state.error = undefined;
  $('error').textContent = '';
  setPhase('loading', 'reading cached weights…');
  try {
    const { entry, files } = await readPick(sha, (got, total) => {
      ($('progress') as HTMLProgressElement).value = total ? got / total : 0;
      $('status').textContent = `cached weights: ${(got / 1e6).toFixed(1)} MB`;
    });
    const model = $('model') as HTMLSelectElement;
    if (![...model.options].some((o) => o.value === entry.model)) model.add(new Option(entry.model, entry.model));
    model.value = entry.model;
    state.weightsFrom = 'opfs';
    weights = { name: entry.name, model: entry.model, files, picked: false };
    loadModel();
    void listPicks().then(showPicks, storageProblem); // it is now the most recent
  } catch (e) {
    if (isVggError(e)) showError({ code: e.code, message: e.message, hint: e.hint });
    else showError({ code: 'E_WEIGHTS_NOT_FOUND', message: `cached weights could not be read: ${String(e)}` });
    void listPicks().then(showPicks, storageProblem);
  }
}

/** For tests and the console: the state, and a layer's features as plain numbers. */
Object.assign(window, {
  vggscope: {
    state,
    features: (layer: string) => {
      const o = state.outputs.find((x) => x.layer === layer);
      return o && { shape: o.shape, data: Array.from(new Float32Array(o.data)) };
    },
  },
});
start().catch((e) => {
  $('error').textContent = String(e);
  setPhase('error', 'failed to start');
});

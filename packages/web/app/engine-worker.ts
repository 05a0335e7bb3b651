// The engine in a dedicated Web Worker: the page's main thread may not block in Atomics.wait, a
// worker may, so the simd team's coordinator (this thread) and its helpers run here. The readers
// are the same modules the CLI uses (packed weights, image decoders) over in-memory files.
import { createVgg, isVggError, resolveVggConfig, type Vgg } from '@vggscope/core';
import { loadInput } from '@vggscope/image';
import { createSimdBackend, type SimdBackend } from '@vggscope/kernels/simd';
import { onNotice } from '@vggscope/platform';
import { openWeights } from '@vggscope/weights';
import type { FromEngine, ToEngine } from './protocol.js';
import { dropFile, putFile } from './shims/memory-files.js';

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

let session: { vgg: Vgg; backend: SimdBackend; layers: string[] } | undefined;
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
    ['@cwasm/webp/webp.wasm', 'webp.wasm'],
  ].map(async ([spec, file]) => {
    const response = await fetch(new URL(`./${file}`, import.meta.url));
    if (response.ok) putFile(spec!, new Uint8Array(await response.arrayBuffer()));
  }),
);

async function load({ model, weights, threads }: Extract<ToEngine, { type: 'load' }>): Promise<void> {
  await codecs;
  await session?.vgg.close();
  session = undefined;
  const path = `/weights/${weights.name}`;
  putFile(path, new Uint8Array(weights.bytes));
  const { config, graph } = resolveVggConfig({ model, weights: path, layers: ['block5_pool'] });
  const layers = graph.layers.filter((l) => l.index > 0 && l.outputShape.length === 3).map((l) => l.name);
  const backend = await createSimdBackend({ threads: threads ? navigator.hardwareConcurrency : 1 });
  const vgg = await createVgg(backend, config, { openWeights, loadInput, ownsBackend: true });
  dropFile(path); // the backend holds its own copy of every layer
  session = { vgg, backend, layers };
  post({ type: 'loaded', model, threads: backend.threads, fma: backend.fma, layers, notices });
}

async function run({ image }: Extract<ToEngine, { type: 'run' }>): Promise<void> {
  if (!session) throw Object.assign(new Error('load a model first'), { code: 'E_USAGE' });
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
    const wire = outputs.map((o) => ({
      layer: o.layer,
      shape: [...o.shape],
      data: o.data.buffer as ArrayBuffer,
      ms: o.ms,
    }));
    post(
      { type: 'result', outputs: wire, totalMs: performance.now() - t0 },
      wire.map((o) => o.data),
    );
  } finally {
    dropFile(path);
  }
}

function fail(e: unknown): void {
  if (isVggError(e)) post({ type: 'error', code: e.code, message: e.message, hint: e.hint });
  else post({ type: 'error', code: 'E_INTERNAL', message: e instanceof Error ? e.message : String(e) });
}

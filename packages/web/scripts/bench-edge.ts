// What fits a 128 MB edge isolate: the engine in Cloudflare's workerd, one process per case.
//   npx tsx --conditions=@vggscope/source packages/web/scripts/bench-edge.ts [WORKERD_BIN]
// workerd is not a dependency (160 MB installed): `npm i workerd` in any folder and pass its
// bin/workerd (default: $WORKERD or `workerd` on PATH). Synthetic full-size VGG16 weights, f16 packed,
// holding only the layers the prefix needs (what a Worker would ship). Per case: the isolate's
// extra resident memory (workerd's peak RSS after one 224×224 pass minus an idle isolate's, the
// weights' data module included), the wasm memory the engine allocated, and whether the
// output's bytes equal Node's (sha256; the same mul+add build, one thread), and the pass's time.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildGraph, createVgg, resolveVggConfig, weightedLayers } from '@vggscope/core';
import { createSimdBackend } from '@vggscope/kernels/simd';
import { synthWeights } from '@vggscope/synth-weights';
import { openWeights, writePacked } from '@vggscope/weights';
import { REPO_ROOT } from '@vggscope/test-utils';
import { BROWSER_BUNDLE } from '../src/build-web.js';

const WORKERD = process.argv[2] ?? process.env.WORKERD ?? 'workerd';
const PREFIXES = (process.env.PREFIXES ?? 'block1_pool,block2_pool,block3_pool,block4_pool,block5_pool').split(',');
/** The conv plan and the conv scratch per chunk (default 32 MiB, a whole 224² image's Winograd tiles). */
const PLANS = [
  { name: 'default', query: '', im2col: false, chunkMiB: 0 },
  { name: 'im2col', query: '&plan=im2col', im2col: true, chunkMiB: 0 },
  { name: 'im2col, 4 MiB chunks', query: '&plan=im2col&chunkMiB=4', im2col: true, chunkMiB: 4 },
];
const dir = mkdtempSync(join(tmpdir(), 'vggscope-edge-'));
const version = spawnSync(WORKERD, ['--version'], { encoding: 'utf8' }).stdout.trim();
if (!version) throw new Error(`no workerd at '${WORKERD}' (npm i workerd; pass node_modules/.bin/workerd)`);

await build({
  entryPoints: [join(REPO_ROOT, 'packages/web/scripts/edge/edge-worker.ts')],
  outfile: join(dir, 'worker.js'),
  ...BROWSER_BUNDLE,
  target: 'es2022',
  // workerd gives a module no URL; the readers' module-level `new URL(…, import.meta.url)` need one.
  define: { 'import.meta.url': '"file:///worker/worker.js"' },
  external: ['vggscope-simd.wasm', 'weights.vggw', '@tensorflow/*', 'piscina', '#h5wasm', 'h5wasm', 'h5wasm/*'],
  logLevel: 'warning',
});
copyFileSync(join(REPO_ROOT, 'packages/kernels/wasm/vggscope-simd.wasm'), join(dir, 'vggscope-simd.wasm'));
console.error(`worker bundle: ${(readFileSync(join(dir, 'worker.js')).length / 1e6).toFixed(2)} MB`);

const graph = buildGraph('vgg16');
const all = synthWeights(graph, 7);
/** The same pixels as edge-worker.ts. */
const pixels = () => {
  const data = new Uint8Array(224 * 224 * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 9) * 13) & 255;
  return { width: 224, height: 224, data };
};

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** workerd's peak and current RSS (kB) after answering `query`, and the answer. */
async function inWorkerd(
  weightsFile: string,
  query: string,
): Promise<{ hwm: number; body: Record<string, unknown>; wallMs: number }> {
  const port = await freePort();
  const config = join(dir, 'config.capnp');
  copyFileSync(weightsFile, join(dir, 'weights.vggw'));
  writeFileSync(
    config,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .edge) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const edge :Workerd.Worker = (
  modules = [
    (name = "worker", esModule = embed "worker.js"),
    (name = "vggscope-simd.wasm", wasm = embed "vggscope-simd.wasm"),
    (name = "weights.vggw", data = embed "weights.vggw"),
  ],
  compatibilityDate = "2025-06-01",
);
`,
  );
  const child = spawn(WORKERD, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  try {
    let body: Record<string, unknown> | undefined;
    const t0 = performance.now();
    for (let i = 0; i < 200 && !body; i++) {
      body = await fetch(`http://127.0.0.1:${port}/?${query}`)
        .then((r) => r.json() as Promise<Record<string, unknown>>)
        .catch(async () => (await new Promise((r) => setTimeout(r, 50)), undefined));
    }
    const wallMs = performance.now() - t0;
    if (!body) throw new Error(`workerd did not answer: ${stderr}`);
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)![1]);
    return { hwm, body, wallMs };
  } finally {
    child.kill();
  }
}

async function nodeSha256(weightsFile: string, layer: string, plan: (typeof PLANS)[number]): Promise<string> {
  const backend = await createSimdBackend({
    threads: 1,
    fma: false,
    ...(plan.im2col ? { convAlgorithm: 'im2col' as const } : {}),
    ...(plan.chunkMiB ? { chunkBytes: plan.chunkMiB * 2 ** 20 } : {}),
  });
  const { config } = resolveVggConfig({ model: 'vgg16', weights: weightsFile, layers: [layer] });
  const vgg = await createVgg(backend, config, { openWeights, ownsBackend: true });
  const [out] = await vgg.extract(pixels());
  await vgg.close();
  return createHash('sha256')
    .update(new Uint8Array(out!.data.buffer, out!.data.byteOffset, out!.data.byteLength))
    .digest('hex');
}

const rows: string[] = [];
for (const layer of PREFIXES) {
  const upto = graph.layers.find((l) => l.name === layer)!.index;
  const needed = new Set(
    weightedLayers(graph)
      .filter((l) => l.index <= upto)
      .map((l) => l.name),
  );
  const file = join(dir, `vgg16-to-${layer}.f16.vggw`);
  await writePacked(
    file,
    graph,
    { ...all, layers: new Map([...all.layers].filter(([n]) => needed.has(n))) },
    { dtype: 'f16' },
  );
  const idle = await inWorkerd(file, 'layer=none');
  for (const plan of PLANS) {
    const run = await inWorkerd(file, `layer=${layer}${plan.query}`);
    if (run.body.error) {
      rows.push(
        `| ${layer} | ${plan.name} | ${(readFileSync(file).length / 2 ** 20).toFixed(1)} | failed: ${String(run.body.error).slice(0, 120)} | | | | |`,
      );
      continue;
    }
    const same = run.body.sha256 === (await nodeSha256(file, layer, plan));
    const mib = (kb: number) => (kb / 1024).toFixed(0);
    rows.push(
      `| ${layer} | ${plan.name} | ${(readFileSync(file).length / 2 ** 20).toFixed(1)} | ${mib(run.hwm - idle.hwm)} | ${((run.body.wasmBytes as number) / 2 ** 20).toFixed(0)} | ${mib(idle.hwm)} / ${mib(run.hwm)} | ${Math.round(run.body.ms as number)} | ${same ? 'yes' : 'NO'} |`,
    );
    console.error(rows.at(-1));
  }
}
console.log(`workerd ${version}; ${new Date().toISOString()}; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
console.log(
  "| prefix | conv plan | weights MiB (f16) | isolate's extra peak RSS, MiB | wasm memory, MiB | workerd peak RSS idle / run, MiB | pass, ms | block's bytes = Node's |",
);
console.log('|---|---|---:|---:|---:|---:|---:|:---:|');
for (const r of rows) console.log(r);
rmSync(dir, { recursive: true, force: true });

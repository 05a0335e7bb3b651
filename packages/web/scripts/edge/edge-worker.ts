// A Cloudflare-style Worker (module syntax) running the engine in workerd, for bench-edge.ts: the
// kernels arrive as a WebAssembly.Module compiled by the runtime (a Worker may not compile wasm
// at run time), the weights as a data module. GET /?layer=block3_pool[&plan=im2col][&chunkMiB=4] runs one
// 224×224 image to that layer; /?layer=none only answers (the idle isolate, for the baseline).
import { createVgg, resolveVggConfig } from '@vggscope/core';
import { createSimdBackend } from '@vggscope/kernels/simd';
import { provideAsset } from '@vggscope/platform';
import { openWeights } from '@vggscope/weights';
// @ts-expect-error: a workerd module (wasm = embed …), not a file esbuild reads
import kernels from 'vggscope-simd.wasm';
// @ts-expect-error: a workerd data module (an ArrayBuffer)
import weights from 'weights.vggw';
import { putFile } from '../../app/shims/memory-files.js';

provideAsset('vggscope-simd.wasm', kernels as WebAssembly.Module);

/** Deterministic pixels (the bench compares the output's bytes with Node's). */
function image(size: number) {
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 9) * 13) & 255;
  return { width: size, height: size, data };
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const layer = url.searchParams.get('layer') ?? 'block5_pool';
    if (layer === 'none') return Response.json({ layer });
    const memories: WebAssembly.Memory[] = [];
    const Memory = WebAssembly.Memory;
    // Counts the wasm memory the engine allocates (its byteLength is what the isolate holds).
    (WebAssembly as { Memory: unknown }).Memory = function (d: WebAssembly.MemoryDescriptor) {
      const m = new Memory(d);
      memories.push(m);
      return m;
    };
    try {
      putFile('/weights/w.vggw', new Uint8Array(weights as ArrayBuffer));
      const model = url.searchParams.get('model') ?? 'vgg16';
      const { config } = resolveVggConfig({ model, weights: '/weights/w.vggw', layers: [layer] });
      const plan = url.searchParams.get('plan');
      const chunk = Number(url.searchParams.get('chunkMiB') ?? 0);
      const backend = await createSimdBackend({
        threads: 1,
        fma: false,
        ...(plan ? { convAlgorithm: plan as 'im2col' } : {}),
        ...(chunk ? { chunkBytes: chunk * 2 ** 20 } : {}),
      });
      const vgg = await createVgg(backend, config, { openWeights, ownsBackend: true });
      const t0 = performance.now();
      const [out] = await vgg.extract(image(224));
      const ms = performance.now() - t0;
      const digest = await crypto.subtle.digest('SHA-256', out!.data as Float32Array<ArrayBuffer>);
      const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
      const wasmBytes = memories.reduce((n, m) => n + m.buffer.byteLength, 0);
      await vgg.close();
      return Response.json({ layer, plan: plan ?? 'default', shape: out!.shape, sha256, ms, wasmBytes });
    } catch (e) {
      return Response.json({ layer, error: String(e), stack: (e as Error).stack }, { status: 500 });
    } finally {
      (WebAssembly as { Memory: unknown }).Memory = Memory;
    }
  },
};

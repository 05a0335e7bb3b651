/**
 * One benchmark case in a fresh process (so its peak RSS is its own), timed with tinybench. Prints JSON:
 * { samples: ms per batch, setupMs, peakRssMb }. Usage:
 *   node throughput-case.js <case> <model> <H> <W> <batch> <iterations> <weights.vggw> <model.onnx> [workers] [backend] [threads] [perTask]
 * Cases: engine | raw-tfjs | pool | tfjs-layers | ort (onnxruntime-web) | ort-node (native onnxruntime)
 */
import { readFileSync } from 'node:fs';
import { buildGraph, type FloatTensor } from '@vggscope/core';
import { readPacked } from '@vggscope/weights';
import { Bench } from 'tinybench';

const [kind, model, h, w, batchArg, itArg, weights, onnx, workersArg, backendArg, threadsArg, perTaskArg] =
  process.argv.slice(2) as string[];
const engine = { backend: backendArg || undefined, threads: threadsArg ? Number(threadsArg) : undefined };
const size: [number, number] = [Number(h), Number(w)];
const batch = Number(batchArg);
const iterations = Number(itArg);
// A plain loop: Float32Array.from({ length }, fn) builds a boxed array first, ~100 MB of garbage at
// batch 8 that showed up in the case's peak RSS as if the engine had used it.
const data = new Float32Array(batch * size[0] * size[1] * 3);
for (let i = 0; i < data.length; i++) data[i] = 100 * Math.sin(i * 0.37);
const input: FloatTensor = { data, shape: [batch, size[0], size[1], 3] };
const graph = buildGraph(model!, { inputSize: size });

if (kind === 'overhead') {
  // Engine and hand-written ops in one process, on the same wasm backend, alternating: the only
  // fair way to see a few percent on a machine whose speed drifts by more than that between runs.
  const { loadVgg } = await import('@vggscope/kernels');
  const vgg = await loadVgg({ model, weights: weights!, inputSize: size, backend: 'tfjs-wasm' });
  const raw = await rawOps();
  await vgg.extract(input);
  await raw();
  const engine: number[] = [];
  const ops: number[] = [];
  for (let i = 0; i < iterations; i++) {
    let t = performance.now();
    await vgg.extract(input);
    engine.push(performance.now() - t);
    t = performance.now();
    await raw();
    ops.push(performance.now() - t);
  }
  process.stdout.write(
    JSON.stringify({ samples: engine, raw: ops, setupMs: 0, peakRssMb: process.resourceUsage().maxRSS / 1024 }),
  );
  process.exit(0);
}

const t0 = performance.now();
const step = await setup();
const setupMs = performance.now() - t0;
// One warm-up pass (first-pass compilation and allocation are not steady-state throughput), then
// exactly `iterations` timed batches.
const bench = new Bench({ iterations, time: 0, warmup: true, warmupIterations: 1, warmupTime: 0, retainSamples: true });
// An async function, not the step itself: tinybench calls a plain function once more to find out
// whether it returns a promise, and that extra pass ran unawaited beside the warm-up (+110 MB
// peak RSS at batch 8, and a contended warm-up).
bench.add(kind!, async () => {
  await step();
});
await bench.run();
const samples = [...((bench.tasks[0]!.result as { latency: { samples?: number[] } }).latency.samples ?? [])];
if (samples.length === 0)
  throw new Error(`${kind}: tinybench returned no samples (${JSON.stringify(bench.tasks[0]!.result)})`);
await teardown?.();
process.stdout.write(JSON.stringify({ samples, setupMs, peakRssMb: process.resourceUsage().maxRSS / 1024 }));

var teardown: (() => Promise<void>) | undefined;

async function setup(): Promise<() => Promise<unknown>> {
  switch (kind) {
    case 'engine': {
      const { loadVgg } = await import('@vggscope/kernels');
      const vgg = await loadVgg({ model, weights: weights!, inputSize: size, ...engine });
      teardown = () => vgg.close();
      return () => vgg.extract(input);
    }
    case 'pool': {
      const { VggPool } = await import('@vggscope/kernels/pool'); // the main thread needs no tfjs
      // create() returns once every worker has loaded its weights (start-up handshake).
      const pool = await VggPool.create({
        model,
        weights: weights!,
        inputSize: size,
        workers: Number(workersArg),
        ...engine,
      });
      teardown = () => pool.destroy();
      return () => pool.runSplit({ data: input.data.slice(), shape: input.shape }, undefined, Number(perTaskArg ?? 1));
    }
    case 'raw-tfjs':
      return rawOps();
    case 'tfjs-layers': {
      const tf = await import('@tensorflow/tfjs-core');
      await import('@tensorflow/tfjs-backend-wasm');
      const tfl = await import('@tensorflow/tfjs-layers');
      const { kerasModelConfig } = await import('@vggscope/synth-weights');
      await tf.setBackend('wasm');
      const m = await tfl.models.modelFromJSON({ modelTopology: kerasModelConfig(graph) as never });
      const ws = await readPacked(weights!, graph);
      m.setWeights(
        m.weights.map((v) => {
          const [layer, role] = v.originalName.split('/') as [string, string];
          const l = ws.layers.get(layer)!;
          return tf.tensor(role.startsWith('kernel') ? l.kernel.data : l.bias.data, v.shape as number[]);
        }),
      );
      return async () => {
        const x = tf.tensor(input.data, [...input.shape]);
        const y = m.predict(x) as import('@tensorflow/tfjs-core').Tensor;
        await y.data();
        tf.dispose([x, y]);
      };
    }
    case 'ort': {
      const ort = await import('onnxruntime-web');
      ort.env.wasm.numThreads = Number(workersArg ?? 2);
      const session = await ort.InferenceSession.create(readFileSync(onnx!), { executionProviders: ['wasm'] });
      const nchw = new Float32Array(input.data.length); // layout conversion is not timed
      return async () => {
        const r = await session.run({ input: new ort.Tensor('float32', nchw, [batch, 3, size[0], size[1]]) });
        return r.output!.data;
      };
    }
    case 'ort-node': {
      // Native onnxruntime (CPU execution provider, its default thread pool): the speed to match.
      const ort = await import('onnxruntime-node');
      const session = await ort.InferenceSession.create(readFileSync(onnx!), { executionProviders: ['cpu'] });
      const nchw = new Float32Array(input.data.length);
      return async () => {
        const r = await session.run({ input: new ort.Tensor('float32', nchw, [batch, 3, size[0], size[1]]) });
        return r.output!.data;
      };
    }
    default:
      throw new Error(`unknown case ${kind}`);
  }
}

/** The same graph as hand-written tfjs ops: the floor for the engine's overhead. */
async function rawOps(): Promise<() => Promise<void>> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  const ws = await readPacked(weights!, graph);
  const params = new Map(
    [...ws.layers].map(([n, l]) => [
      n,
      [tf.tensor(l.kernel.data, [...l.kernel.shape]), tf.tensor(l.bias.data, [...l.bias.shape])] as const,
    ]),
  );
  return async () => {
    let x: import('@tensorflow/tfjs-core').Tensor = tf.tensor(input.data, [...input.shape]);
    for (const l of graph.layers.slice(1)) {
      const y =
        l.spec.kind === 'conv'
          ? tf.fused.conv2d({
              x: x as import('@tensorflow/tfjs-core').Tensor4D,
              filter: params.get(l.name)![0] as import('@tensorflow/tfjs-core').Tensor4D,
              bias: params.get(l.name)![1],
              strides: 1,
              pad: 'same',
              activation: 'relu',
            })
          : tf.maxPool(x as import('@tensorflow/tfjs-core').Tensor4D, 2, 2, 'valid');
      x.dispose();
      x = y;
    }
    await x.data();
    x.dispose();
  };
}

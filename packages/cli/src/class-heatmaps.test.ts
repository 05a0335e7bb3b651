import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  buildGraph,
  channelMap,
  type LayerWeights,
  tinyVgg,
  upsampleBilinear,
  type Vgg,
  type WeightSet,
} from '@vggscope/core';
import { gradCam, readTopWeights, scoreCam } from '@vggscope/explain';
import { loadWeights } from '@vggscope/weights';
import { loadVgg } from '@vggscope/kernels';
import { relativeL2, tinyWeights, wavyInput } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';

// Library-level tests of the class heatmaps through a real engine session; they live in the CLI
// package because it is the one that sees both core (the methods) and kernels (the backends).

const spec = tinyVgg('vgg16');
const graph = buildGraph(spec, { includeTop: true });
const TARGET = 1; // goldfish

/**
 * Weights with a known answer: every conv copies input channel 0 (B) to its channel 0 and channel 1
 * (G) to its channel 1 (centre tap 1, the rest 0), so the last conv sees B in channel 0 and G in
 * channel 1 where the image has them; fc1's unit 0 sums channel 0 of the top-left quadrant of
 * block5_pool only, fc2 passes it on, and only class TARGET reads it.
 */
function quadrantWeights(): WeightSet {
  const layers = new Map<string, LayerWeights>();
  for (const l of graph.layers.filter((g) => g.weights.length)) {
    const [k, b] = l.weights.map((w) => ({
      data: new Float32Array(w.shape.reduce((x, y) => x * y, 1)),
      shape: w.shape,
    }));
    if (l.spec.kind === 'conv') {
      const [, , cin, cout] = k!.shape as number[];
      for (const c of [0, 1]) k!.data[((1 * 3 + 1) * cin! + c) * cout! + c] = 1;
    } else if (l.name === 'fc1') {
      const units = k!.shape[1]!;
      for (let py = 0; py < 4; py++) for (let px = 0; px < 4; px++) k!.data[((py * 7 + px) * 16 + 0) * units] = 1 / 160;
    } else if (l.name === 'fc2') k!.data[0] = 1;
    else k!.data[TARGET] = 1;
    layers.set(l.name, { kernel: k!, bias: b! });
  }
  return { source: 'quadrant-test', format: 'synthetic', layers, unavailable: [], bytesRead: 0 };
}

/** B = 100 in the top-left quadrant, G = 100 in the other three (already preprocessed, BGR). */
function quadrantInput() {
  const data = new Float32Array(224 * 224 * 3);
  for (let y = 0; y < 224; y++)
    for (let x = 0; x < 224; x++) data[(y * 224 + x) * 3 + (y < 112 && x < 112 ? 0 : 1)] = 100;
  return { data, shape: [1, 224, 224, 3] };
}

function topLeftShare(map: { data: Float32Array; shape: readonly number[] }): number {
  const [h, w] = map.shape as [number, number];
  let inside = 0;
  let all = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = map.data[y * w + x]!;
      all += v;
      if (y < h / 2 && x < w / 2) inside += v;
    }
  return inside / all;
}

async function session(weights: string | WeightSet, backend?: string): Promise<Vgg> {
  return loadVgg({
    model: spec,
    weights,
    includeTop: true,
    layers: ['block5_conv3', 'predictions'],
    backend,
    threads: 1,
  });
}

describe('a heatmap whose answer is known (tiny vgg16, one class reads one quadrant)', () => {
  it('Grad-CAM and Score-CAM put the mass in the top-left quadrant; the class is the top-1', async () => {
    const weights = quadrantWeights();
    const vgg = await session(weights);
    try {
      const top = await readTopWeights(weights, graph);
      const [g] = await gradCam(vgg, quadrantInput(), { top });
      expect(g!.class.index).toBe(TARGET);
      expect(g!.score).toBeCloseTo(10, 3);
      const s = await scoreCam(vgg, quadrantInput());
      expect(s.class.index).toBe(TARGET);
      for (const cam of [g!, s]) {
        expect(cam.heatmap.shape).toEqual([14, 14]);
        expect(topLeftShare(cam.heatmap), `${cam.method} at 14×14`).toBeGreaterThan(0.95);
        // Bilinear upsampling spreads half a cell (8 px) across the quadrant's edges: ≈ 3% of the mass.
        expect(topLeftShare(upsampleBilinear(cam.heatmap, 224, 224)), `${cam.method} at 224×224`).toBeGreaterThan(0.9);
      }
      // The G channel is active in three quadrants but the class never reads it. Score-CAM still
      // gives it a little weight: its blurred mask lets some of the top-left B through.
      expect(g!.weights[1]).toBe(0);
      expect(s.weights[0]!).toBeGreaterThan(50 * s.weights[1]!);
    } finally {
      await vgg.close();
    }
  });
});

/**
 * Score-CAM written as plainly as possible: variance by two passes, masks by tf.image.resizeBilinear
 * (half-pixel centres), one masked image per forward pass, on the reference backend.
 */
async function plainScoreCam(vgg: Vgg, x: { data: Float32Array; shape: number[] }, maxN: number) {
  const [a, probs] = await vgg.extract(x, { layers: ['block5_conv3', 'predictions'] });
  const [, h, w, c] = a!.shape as number[];
  const cls = probs!.data.indexOf(Math.max(...probs!.data));
  const maps = Array.from({ length: c! }, (_, k) => Array.from({ length: h! * w! }, (_, p) => a!.data[p * c! + k]!));
  const variance = maps.map((m) => {
    const mean = m.reduce((s, v) => s + v, 0) / m.length;
    return m.reduce((s, v) => s + (v - mean) ** 2, 0) / m.length;
  });
  const chosen = [...variance.keys()].sort((i, j) => variance[j]! - variance[i]! || i - j).slice(0, maxN);
  await tf.setBackend('cpu');
  const heat = new Float64Array(h! * w!);
  for (const k of chosen) {
    const up = tf.image.resizeBilinear(tf.tensor3d(maps[k]!, [h!, w!, 1]), [224, 224], false, true);
    const m = Array.from(await up.data());
    up.dispose();
    const lo = Math.min(...m);
    const hi = Math.max(...m);
    const masked = new Float32Array(x.data.length);
    for (let p = 0; p < 224 * 224; p++)
      for (let ch = 0; ch < 3; ch++)
        masked[p * 3 + ch] = x.data[p * 3 + ch]! * (hi > lo ? (m[p]! - lo) / (hi - lo) : 0);
    const [pr] = await vgg.extract({ data: masked, shape: x.shape }, { layers: ['predictions'] });
    for (let p = 0; p < h! * w!; p++) heat[p]! += pr!.data[cls]! * maps[k]![p]!;
  }
  return { chosen, heatmap: heat.map((v) => Math.max(0, v)) };
}

describe('Score-CAM vs a plain-loop implementation (tiny vgg16, synthetic top)', () => {
  // batchSize 4: maxN=8 fills two batches exactly, maxN=5 leaves a partial one (16 took 23 s on the reference backend).
  it.each([8, 5])(
    'maxN=%i, batched on the default backend vs one image at a time on the reference backend',
    async (maxN) => {
      const weights = await tinyWeights('vgg16', 'h5', { includeTop: true });
      const fast = await session(weights);
      const slow = await session(weights, 'reference');
      try {
        const x = wavyInput([1, 224, 224, 3], 0.4) as { data: Float32Array; shape: number[] };
        const seen: number[] = [];
        const s = await scoreCam(fast, x, { maxN, batchSize: 4, onProgress: (d) => seen.push(d) });
        const ref = await plainScoreCam(slow, x, maxN);
        expect(s.channels).toEqual(ref.chosen);
        expect(seen.at(-1)).toBe(maxN);
        expect(s.passes).toBe(maxN + 1);
        const err = relativeL2(s.heatmap.data, ref.heatmap);
        expect(err, `relative L2 ${err}`).toBeLessThan(1e-4);
        expect(Math.max(...s.heatmap.data)).toBeGreaterThan(0);
      } finally {
        await fast.close();
        await slow.close();
      }
    },
  );
});

describe('gradCam on a session', () => {
  it('one result per image of a batch; equals gradCamFromActivation of each', async () => {
    const weights = await tinyWeights('vgg16', 'h5', { includeTop: true });
    const vgg = await session(weights);
    try {
      const top = await readTopWeights(weights, graph);
      const batch = wavyInput([2, 224, 224, 3], 0.9);
      const both = await gradCam(vgg, batch, { top, class: 'tabby' });
      expect(both.map((r) => [r.class.index, r.class.wnid, r.layer])).toEqual([
        [281, 'n02123045', 'block5_conv3'],
        [281, 'n02123045', 'block5_conv3'],
      ]);
      const second = await gradCam(
        vgg,
        { data: batch.data.slice(224 * 224 * 3), shape: [1, 224, 224, 3] },
        { top, class: 281 },
      );
      expect(relativeL2(both[1]!.heatmap.data, second[0]!.heatmap.data)).toBeLessThan(1e-6);
      expect(channelMap({ data: both[0]!.gradient.data, shape: [14, 14, 16] }, 0).shape).toEqual([14, 14]);
    } finally {
      await vgg.close();
    }
  });

  it('no-top weights → E_WEIGHTS_MISSING naming fc1, fc2, predictions', async () => {
    const notop = buildGraph(spec, { includeTop: true });
    const set = await loadWeights(await tinyWeights('vgg16', 'h5'), buildGraph(spec));
    await expect(readTopWeights(set, notop)).rejects.toThrow(
      /class heatmaps need the top weights \(fc1, fc2, predictions\)/,
    );
  });
});

describe('Score-CAM through the worker pool', () => {
  it('a pool adapter ({ graph, extract: runSplit }) gives the single-session heatmap', async () => {
    const { VggPool } = await import('@vggscope/kernels/pool');
    const weights = await tinyWeights('vgg16', 'packed', { includeTop: true });
    const pool = await VggPool.create({
      model: 'tiny-vgg16',
      weights,
      includeTop: true,
      layers: ['block5_conv3', 'predictions'],
      workers: 2,
      oversubscribe: true,
    });
    const single = await session(weights);
    try {
      const x = wavyInput([1, 224, 224, 3], 2.1);
      const viaPool = await scoreCam({ graph, extract: (input) => pool.runSplit(input) }, x, { maxN: 6, batchSize: 6 });
      const direct = await scoreCam(single, x, { maxN: 6 });
      expect(viaPool.channels).toEqual(direct.channels);
      expect(relativeL2(viaPool.heatmap.data, direct.heatmap.data)).toBeLessThan(1e-6);
    } finally {
      await pool.destroy();
      await single.close();
    }
  });
});

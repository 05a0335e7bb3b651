import { basename, join } from 'node:path';
import { buildGraph, upsampleBilinear, type Vgg, VggError } from '@vggscope/core';
import {
  type CamMethod,
  type ClassHeatmap,
  gradCam,
  gradientCam,
  lastConvLayer,
  readTopWeights,
  scoreCam,
  type ScoreCamModel,
} from '@vggscope/explain';
import { loadInput } from '@vggscope/image';
import { encodeNpy, writeFileAtomic } from '@vggscope/io';
import { loadVgg } from '@vggscope/kernels';
import type { VggPool } from '@vggscope/kernels/pool';
import { loadManifest, manifestEntry } from '@vggscope/weights';
import { displayImage, type OverlayStyle, writeOverlay } from './heatmap-files.js';

/** tf-keras-vis' Faster-ScoreCAM example keeps the 10 channels of highest variance. */
export const FASTER_SCORE_CAM_MAX_N = 10;

export interface CamRecord {
  image: string;
  method: CamMethod;
  layer: string;
  class: { index: number; wnid: string; label: string };
  probability: number;
  png: string;
  pngSize: [number, number];
  npy: string;
  npyUpsampled: string;
  /** Forward passes the heatmap cost (Score-CAM); 1 for the gradient methods (one forward + one reverse pass). */
  passes: number;
  ms: number;
  /** Why the heatmap says nothing, when it is all zero. */
  note?: string;
}

export interface CamRunOptions {
  class?: string;
  maxN?: number;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface CamSession {
  readonly vgg: Vgg;
  run(method: CamMethod, image: string, options: CamRunOptions): Promise<ClassHeatmap & { passes: number }>;
  close(): Promise<void>;
}

const SCORE_METHODS: readonly CamMethod[] = ['score-cam', 'faster-score-cam'];

/**
 * One session for every method: the whole model (top included) in the engine. The gradient
 * methods run one forward and one reverse pass through the backend; only a backend without a
 * reverse pass (tfjs-wasm) takes Grad-CAM's older route, the top's backward pass in JavaScript.
 */
export async function openCams(o: {
  model: string;
  weights: string;
  methods: readonly CamMethod[];
  layer?: string;
  backend?: string;
  threads?: number;
  /** Score-CAM's masked images go through a pool of this many workers (each loads the whole model). */
  workers?: number;
}): Promise<CamSession> {
  const graph = buildGraph(o.model, { includeTop: true });
  const layer = o.layer ?? lastConvLayer(graph);
  const vgg = await loadVgg({
    model: o.model,
    weights: o.weights,
    includeTop: true,
    layers: [layer, 'predictions'],
    backend: o.backend,
    threads: o.threads,
  });
  let pool: VggPool | undefined;
  let top: Awaited<ReturnType<typeof readTopWeights>> | undefined;
  try {
    assertTopLoaded(vgg, o.weights);
    const gradientMethods = o.methods.filter((m) => !SCORE_METHODS.includes(m));
    if (!vgg.gradients && gradientMethods.length) {
      if (gradientMethods.some((m) => m !== 'grad-cam') || o.layer !== undefined) {
        throw new VggError(
          'E_USAGE',
          `cam: ${gradientMethods.join(', ')}${o.layer ? ` at ${o.layer}` : ''} needs gradients, which the '${vgg.backend}' backend does not compute; use --backend simd (the default)`,
        );
      }
      top = await readTopWeights(o.weights, graph);
    }
    if (o.workers && o.methods.some((m) => SCORE_METHODS.includes(m))) {
      // tfjs-wasm runs one thread per instance in Node: more cores for Score-CAM means more workers.
      const { VggPool } = await import('@vggscope/kernels/pool');
      pool = await VggPool.create({
        model: o.model,
        weights: o.weights,
        includeTop: true,
        layers: [layer, 'predictions'],
        backend: o.backend,
        workers: o.workers,
        threads: 1,
      });
    }
  } catch (e) {
    await vgg.close();
    throw e;
  }
  const scorer: ScoreCamModel = pool ? { graph, extract: (x) => pool.runSplit(x) } : vgg;
  return {
    vgg,
    async run(method, image, options) {
      if (SCORE_METHODS.includes(method)) {
        const maxN = options.maxN ?? (method === 'faster-score-cam' ? FASTER_SCORE_CAM_MAX_N : undefined);
        const cam = await scoreCam(scorer, image, { ...options, layer, maxN });
        return { ...cam, method };
      }
      const x = await loadInput(image, graph.inputSize);
      if (top) return { ...(await gradCam(vgg, x, { top, class: options.class }))[0]!, passes: 1 };
      return {
        ...(await gradientCam(vgg, x, { method: method as 'grad-cam', layer, class: options.class })),
        passes: 1,
      };
    },
    close: async () => {
      await pool?.destroy();
      await vgg.close();
    },
  };
}

function assertTopLoaded(vgg: Vgg, weights: string): void {
  const missing = ['fc1', 'fc2', 'predictions'].filter((l) => !vgg.weights.layers.includes(l));
  if (!missing.length) return;
  const entry = manifestEntry(loadManifest(), vgg.graph.model, true);
  throw new VggError(
    'E_WEIGHTS_MISSING',
    `class heatmaps need the top weights (${missing.join(', ')}), which '${weights}' does not have (a no-top file?)`,
    {
      hint: `use the official ${entry.name}: run without --weights to fetch it, or 'npx vggscope weights fetch --model ${vgg.graph.model} --top'`,
    },
  );
}

const TITLES: Record<CamMethod, string> = {
  'grad-cam': 'Grad-CAM',
  'grad-cam++': 'Grad-CAM++',
  'layer-cam': 'LayerCAM',
  'score-cam': 'Score-CAM',
  'faster-score-cam': 'Faster Score-CAM',
};

/** PNG overlay + two .npy files for one heatmap (each written atomically); returns what was written. */
export async function writeCam(
  cam: ClassHeatmap & { passes: number },
  image: string,
  outDir: string,
  model: string,
  o: OverlayStyle & { ms: number; stem: string },
): Promise<CamRecord> {
  const photo = await displayImage(image);
  const stem = `${o.stem}_${cam.method}`;
  const max = Math.max(0, ...cam.heatmap.data);
  const png = join(outDir, `${stem}.png`);
  const label = `${cam.class.label} (${cam.class.index}, ${cam.class.wnid}) p=${cam.probability.toFixed(3)}`;
  const size = await writeOverlay(png, photo, cam.heatmap, {
    ...o,
    max,
    title: `${model} ${TITLES[cam.method]} ${cam.layer}: ${label} - ${basename(image)}`,
  });
  const npy = join(outDir, `${stem}.npy`);
  const npyUpsampled = join(outDir, `${stem}_upsampled.npy`);
  await writeFileAtomic(npy, encodeNpy(cam.heatmap));
  await writeFileAtomic(npyUpsampled, encodeNpy(upsampleBilinear(cam.heatmap, photo.height, photo.width)));
  return {
    image,
    method: cam.method,
    layer: cam.layer,
    class: { ...cam.class },
    probability: cam.probability,
    png,
    pngSize: [size.width, size.height],
    npy,
    npyUpsampled,
    passes: cam.passes,
    ms: o.ms,
    ...(max === 0 && { note: zeroNote(cam) }),
  };
}

/** An all-zero heatmap is an answer, not a bug: say what it means. */
function zeroNote(cam: ClassHeatmap): string {
  const cls = `${cam.class.label} (${cam.class.index})`;
  if (cam.method === 'score-cam' || cam.method === 'faster-score-cam') {
    return (
      `all zero: every masked image scores ${cam.probability === 0 ? '0 (the class has probability 0 on this image)' : 'too little'} for ${cls}, so no channel gets weight; ` +
      'pick a class the model sees in this image (--class), or use a gradient method'
    );
  }
  return `all zero: no positive evidence for ${cls} at ${cam.layer} (the weighted sum is negative everywhere); try another --layer or class`;
}

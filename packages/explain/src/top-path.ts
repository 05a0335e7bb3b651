import { VggError } from '@vggscope/core';
import type { VggGraph } from '@vggscope/core';
import type { FloatTensor } from '@vggscope/core';
import { openWeights } from '@vggscope/weights';
import type { LayerWeights, WeightSet } from '@vggscope/core';

/** The classifier's weights as plain arrays: Keras' `[in, out]` kernels and their biases. */
export interface TopWeights {
  readonly fc1: LayerWeights;
  readonly fc2: LayerWeights;
  readonly predictions: LayerWeights;
}

export const TOP_LAYERS = ['fc1', 'fc2', 'predictions'] as const;

/**
 * Reads fc1, fc2 and predictions (and nothing else) through the one checked weights path, for
 * Grad-CAM's backward pass, which runs in plain TypeScript beside the engine.
 * @example (await readTopWeights('vgg16.h5', buildGraph('vgg16', { includeTop: true }))).fc1.kernel.shape // [25088, 4096]
 */
export async function readTopWeights(weights: string | WeightSet, graph: VggGraph): Promise<TopWeights> {
  if (!graph.includeTop)
    throw new VggError('E_USAGE', 'readTopWeights: the graph has no top; build it with includeTop: true');
  const stream = await openWeights(weights, graph, new Set(TOP_LAYERS));
  const got = new Map<string, LayerWeights>();
  for await (const layer of stream.layers) got.set(layer.name, layer.weights);
  const missing = TOP_LAYERS.filter((n) => !got.has(n));
  if (missing.length) {
    throw new VggError(
      'E_WEIGHTS_MISSING',
      `class heatmaps need the top weights (${missing.join(', ')}), which '${stream.source}' does not have (a no-top file?)`,
      {
        hint: `give --weights with the include-top file, or fetch it: 'npx vggscope weights fetch --model ${graph.model} --top'`,
      },
    );
  }
  return { fc1: got.get('fc1')!, fc2: got.get('fc2')!, predictions: got.get('predictions')! };
}

/** What the forward pass through the top keeps for the backward pass (one image). */
export interface TopPass {
  /** block5_pool's winner in the conv output for each pooled value: flat HWC index. */
  readonly argmax: Int32Array;
  /** Pre-activations of fc1 and fc2 (ReLU masks) and fc2's output. */
  readonly z1: Float64Array;
  readonly z2: Float64Array;
  /** Class scores before softmax, and the softmax. */
  readonly logits: Float64Array;
  readonly probabilities: Float64Array;
}

/**
 * max pool 2×2 → flatten → fc1/ReLU → fc2/ReLU → predictions, from one image's last conv output
 * `[h, w, c]`, in float64. Ties in a pool window go to the first maximum in row-major order, as
 * TensorFlow's MaxPoolGrad does, so dead (all-zero) windows route their gradient the same way.
 */
export function topForward(a: FloatTensor, top: TopWeights): TopPass {
  const [h, w, c] = a.shape.slice(-3) as [number, number, number];
  const ph = Math.floor(h / 2);
  const pw = Math.floor(w / 2);
  const features = ph * pw * c;
  checkTop(top, features);
  const argmax = new Int32Array(features);
  const x = new Float64Array(features);
  for (let py = 0; py < ph; py++) {
    for (let px = 0; px < pw; px++) {
      for (let k = 0; k < c; k++) {
        let best = -Infinity;
        let at = 0;
        for (let dy = 0; dy < 2; dy++) {
          for (let dx = 0; dx < 2; dx++) {
            const i = ((2 * py + dy) * w + 2 * px + dx) * c + k;
            if (a.data[i]! > best) {
              best = a.data[i]!;
              at = i;
            }
          }
        }
        const f = (py * pw + px) * c + k;
        x[f] = best;
        argmax[f] = at;
      }
    }
  }
  const z1 = matVec(x, top.fc1);
  const z2 = matVec(relu(z1), top.fc2);
  const logits = matVec(relu(z2), top.predictions);
  return { argmax, z1, z2, logits, probabilities: softmax(logits) };
}

/**
 * The gradient of one class score (pre-softmax) with respect to the last conv output `[h, w, c]`:
 * predictions → fc2 ReLU mask → fc1 ReLU mask → matrix–vector products back to the flattened
 * pool output → routed to each window's maximum. No autodiff: this path has nothing else in it.
 */
export function topBackward(
  shape: readonly number[],
  pass: TopPass,
  top: TopWeights,
  classIndex: number,
): Float32Array {
  const [h, w, c] = shape.slice(-3) as [number, number, number];
  const classes = top.predictions.bias.data.length;
  const u2 = top.fc2.bias.data.length;
  const g2 = new Float64Array(u2);
  for (let u = 0; u < u2; u++) g2[u] = pass.z2[u]! > 0 ? top.predictions.kernel.data[u * classes + classIndex]! : 0;
  const g1 = maskedTransposeVec(top.fc2, g2, pass.z1);
  const gx = maskedTransposeVec(top.fc1, g1);
  const grad = new Float32Array(h * w * c);
  for (let f = 0; f < gx.length; f++) grad[pass.argmax[f]!]! += gx[f]!;
  return grad;
}

/** x · kernel + bias, kernel `[in, out]` row-major; zero inputs (most, after ReLU) are skipped. */
function matVec(x: Float64Array, layer: LayerWeights): Float64Array {
  const out = Float64Array.from(layer.bias.data);
  const n = out.length;
  const k = layer.kernel.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === 0) continue;
    const row = i * n;
    for (let j = 0; j < n; j++) out[j]! += v * k[row + j]!;
  }
  return out;
}

/** kernel · g (the transpose product), then times ReLU'(pre) when `pre` is given; zeros of g (dead units) are skipped. */
function maskedTransposeVec(layer: LayerWeights, g: Float64Array, pre?: Float64Array): Float64Array {
  const n = g.length;
  const rows = layer.kernel.data.length / n;
  const k = layer.kernel.data;
  const live = Int32Array.from(g.keys()).filter((j) => g[j] !== 0);
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    if (pre && !(pre[i]! > 0)) continue;
    let s = 0;
    const row = i * n;
    for (let t = 0; t < live.length; t++) {
      const j = live[t]!;
      s += k[row + j]! * g[j]!;
    }
    out[i] = s;
  }
  return out;
}

function relu(x: Float64Array): Float64Array {
  return x.map((v) => (v > 0 ? v : 0));
}

export function softmax(x: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) max = Math.max(max, x[i]!);
  const e = Float64Array.from({ length: x.length }, (_, i) => Math.exp(x[i]! - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

function checkTop(top: TopWeights, features: number): void {
  const [fin, u1] = top.fc1.kernel.shape as [number, number];
  const [u1b, u2] = top.fc2.kernel.shape as [number, number];
  const [u2b] = top.predictions.kernel.shape as [number, number];
  if (fin !== features || u1b !== u1 || u2b !== u2) {
    throw new VggError(
      'E_WEIGHTS_SHAPE',
      `grad-cam: the top expects ${fin} pooled features → ${u1} → ${u1b}/${u2} → ${u2b}, but the last conv output pools to ${features} ` +
        '(the top needs a 224×224 input)',
    );
  }
}

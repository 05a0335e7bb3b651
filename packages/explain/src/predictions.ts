import { readFileSync } from 'node:fs';
import { VggError } from '@vggscope/core';
import type { FloatTensor } from '@vggscope/core';

export interface Prediction {
  wnid: string;
  label: string;
  probability: number;
}

let classIndex: Record<string, [string, string]> | undefined;

/** Keras' `imagenet_class_index.json` (md5 c2c37ea517e94d9795004a39431a14cb), shipped in explain/data. */
export function imagenetClassIndex(): Record<string, [string, string]> {
  classIndex ??= JSON.parse(
    readFileSync(new URL('../data/imagenet_class_index.json', import.meta.url), 'utf8'),
  ) as Record<string, [string, string]>;
  return classIndex;
}

/**
 * Keras `decode_predictions`: the top-k `(wnid, label, probability)` of each row of a `[N, 1000]`
 * softmax output, most probable first.
 * @example decodePredictions(preds, 3)[0] // [{ wnid: 'n02123045', label: 'tabby', probability: 0.62 }, …]
 */
export function decodePredictions(preds: FloatTensor, top = 5): Prediction[][] {
  const [n, classes] = preds.shape as [number, number];
  if (preds.shape.length !== 2 || classes !== 1000) {
    throw new VggError(
      'E_INPUT_SHAPE',
      `decodePredictions expects a [N, 1000] ImageNet output, got [${preds.shape.join(', ')}]`,
    );
  }
  const index = imagenetClassIndex();
  const out: Prediction[][] = [];
  for (let b = 0; b < n; b++) {
    const row = preds.data.subarray(b * 1000, (b + 1) * 1000);
    const order = Array.from(row.keys()).sort((i, j) => row[j]! - row[i]!);
    out.push(order.slice(0, top).map((i) => ({ wnid: index[i]![0], label: index[i]![1], probability: row[i]! })));
  }
  return out;
}

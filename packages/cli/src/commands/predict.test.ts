import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, tinyWeights } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { runCaptured, spawnCli } from '../testdata/test-cli.js';

const classIndex = JSON.parse(
  readFileSync(join(REPO_ROOT, 'packages/explain/data/imagenet_class_index.json'), 'utf8'),
) as Record<string, [string, string]>;

describe('cli predict', () => {
  it('prints the top-k classes per image, most probable first, labels from the Keras class index', async () => {
    const r = await runCaptured([
      'predict',
      '--model',
      'tiny-vgg16',
      '--weights',
      await tinyWeights('vgg16', 'h5', { includeTop: true }),
      '--top',
      '4',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const { results } = JSON.parse(r.out) as {
      results: { predictions: { wnid: string; label: string; probability: number }[] }[];
    };
    const preds = results[0]!.predictions;
    expect(preds).toHaveLength(4);
    for (let i = 1; i < preds.length; i++)
      expect(preds[i - 1]!.probability).toBeGreaterThanOrEqual(preds[i]!.probability);
    const pairs = new Set(Object.values(classIndex).map(([w, l]) => `${w} ${l}`));
    for (const p of preds) expect(pairs.has(`${p.wnid} ${p.label}`)).toBe(true);
    // The top 4 of a 1000-way softmax: positive, at most the whole mass, and more than a uniform 4/1000.
    const mass = preds.reduce((s, p) => s + p.probability, 0);
    expect(preds.at(-1)!.probability).toBeGreaterThan(0);
    expect(mass).toBeLessThanOrEqual(1.0001);
    expect(mass).toBeGreaterThan(4 / 1000);
  });

  it('no-top weights → exit 4 saying the top weights are needed and where they come from', async () => {
    const r = spawnCli(['predict', '--model', 'tiny-vgg16', '--weights', await tinyWeights('vgg16', 'h5')]);
    expect(r.code).toBe(4);
    expect(r.err).toContain('predict needs the top weights (fc1, fc2, predictions)');
    expect(r.err).toContain('vgg16_weights_tf_dim_ordering_tf_kernels.h5 (527.8 MiB, from storage.googleapis.com)');
  });

  it('--top out of range → exit 2', () => {
    expect(spawnCli(['predict', '--top', '0']).code).toBe(2);
  });
});

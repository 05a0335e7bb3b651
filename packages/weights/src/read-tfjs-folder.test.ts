import { FIXTURES, NO_FIXTURES_REASON, fixture, synthH5, synthTfjsDir } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '@vggscope/core';
import { loadWeights } from './load-weights.js';
import { readTfjsFolder } from './read-tfjs-folder.js';

describe.skipIf(!FIXTURES)(
  `real partial VGG19 tfjs folder${FIXTURES ? '' : ` (skipped: ${NO_FIXTURES_REASON})`}`,
  () => {
    const dir = () => fixture('vgg19-tfjs-partial');

    it('block1_conv1 bias[0] = 0.730178 and the README sanity values', async () => {
      const w = await loadWeights(dir(), buildGraph('vgg19'));
      const b1 = w.layers.get('block1_conv1')!;
      expect(Math.abs(b1.bias.data[0]! - 0.730178)).toBeLessThan(1e-6);
      [0.341195, 0.095631, 0.017745].forEach((v, i) => expect(b1.kernel.data[i]).toBeCloseTo(v, 6));
      [-0.292965, 0.339774, 0.159743].forEach((v, i) =>
        expect(w.layers.get('block1_conv2')!.bias.data[i]).toBeCloseTo(v, 6),
      );
      [0.084254, 0.061948, 0.026996].forEach((v, i) =>
        expect(w.layers.get('block3_conv4')!.bias.data[i]).toBeCloseTo(v, 6),
      );
    });

    it('layers whose shards are absent are reported unavailable, not fatal', async () => {
      const w = await loadWeights(dir(), buildGraph('vgg19'));
      expect([...w.layers.keys()]).toEqual([
        'block1_conv1',
        'block1_conv2',
        'block2_conv1',
        'block2_conv2',
        'block3_conv1',
        'block3_conv2',
        'block3_conv3',
        'block3_conv4',
      ]);
      expect(w.unavailable).toEqual([
        'block4_conv1',
        'block4_conv2',
        'block4_conv3',
        'block4_conv4',
        'block5_conv1',
        'block5_conv2',
        'block5_conv3',
        'block5_conv4',
      ]);
    });

    it('reading only block1_conv1 touches one small shard', async () => {
      const t = await readTfjsFolder(`${dir()}/model.json`, new Set(['block1_conv1']));
      expect(t.bytesRead).toBe(7168);
    });
  },
);

describe('generated single-group tfjs folder (4 MiB shards, weights straddling them)', () => {
  it('reads back exactly what the legacy .h5 holds', async () => {
    const h5 = await synthH5('vgg16', { tfjs: true });
    const g = buildGraph('vgg16');
    const fromH5 = await loadWeights(h5, g);
    const fromTfjs = await loadWeights(synthTfjsDir(h5), g);
    expect(fromTfjs.format).toBe('tfjs-layers');
    for (const [name, w] of fromH5.layers) {
      expect(
        Buffer.compare(Buffer.from(fromTfjs.layers.get(name)!.kernel.data.buffer), Buffer.from(w.kernel.data.buffer)),
        name,
      ).toBe(0);
      expect([...fromTfjs.layers.get(name)!.bias.data]).toEqual([...w.bias.data]);
    }
    expect(fromTfjs.layers.size).toBe(13);
  });
});

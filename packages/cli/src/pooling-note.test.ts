import { buildGraph } from '@vggscope/core';
import { describe, expect, it } from 'vitest';
import { poolingNote } from './pooling-note.js';

describe('poolingNote: --pooling that changes nothing is said, not ignored silently', () => {
  const pooled = buildGraph('vgg16', { pooling: 'avg' });
  it('with an explicit layer before the pool, and with the top', () => {
    expect(poolingNote('avg', pooled, ['block5_pool'], false)).toBe(
      '--pooling avg has no effect on block5_pool: it adds global_average_pooling2d after block5_pool; ask for --layer global_average_pooling2d (or leave out --layer) to get pooled features',
    );
    expect(
      poolingNote('max', buildGraph('vgg16', { includeTop: true, pooling: 'max' }), ['predictions'], true),
    ).toMatch(/^--pooling max has no effect with --include-top/);
  });
  it('nothing to say when the pooled layer is among the outputs, or without --pooling', () => {
    expect(poolingNote('avg', pooled, ['block4_pool', 'global_average_pooling2d'], false)).toBeUndefined();
    expect(poolingNote(null, buildGraph('vgg16'), ['block5_pool'], false)).toBeUndefined();
  });
});

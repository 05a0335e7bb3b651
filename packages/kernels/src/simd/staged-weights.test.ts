import { buildGraph, createVgg, resolveVggConfig, tinyVgg, type FloatTensor } from '@vggscope/core';
import type { LayerOutput } from '@vggscope/core';
import { loadInput } from '@vggscope/image';
import { synthWeights } from '@vggscope/synth-weights';
import { openWeights, writePacked } from '@vggscope/weights';
import { mkdtempSync, openSync, readSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSimdBackend } from './simd-backend.js';
import { tensor } from './testdata/simd-test-data.js';

// Widths that are multiples of 8 (read straight into the arena, transformed in place) and one that
// is not (block3: 12 → copied and padded), so one file takes both paths.
const model = tinyVgg('vgg16', { widths: [8, 16, 12, 24, 16] });
const graph = buildGraph(model);
const weights = synthWeights(graph, 11);
const input: FloatTensor = tensor([1, 224, 224, 3], 3, 100);
const outputs = ['block1_conv2', 'block3_conv1', 'block4_conv3', 'block5_pool'];

async function run(source: string | typeof weights, threads: number): Promise<LayerOutput[]> {
  const backend = await createSimdBackend({ threads });
  const { config } = resolveVggConfig({ model, weights: source, layers: outputs, threads });
  const vgg = await createVgg(backend, config, { openWeights, loadInput, ownsBackend: true });
  try {
    return await vgg.extract(input);
  } finally {
    await vgg.close();
  }
}

describe('simd backend: packed f32 kernels read straight into the arena, transformed in the background', () => {
  it.each([1, 2, 3])('the same bits as the same weights given in memory (threads=%i)', async (threads) => {
    const path = join(mkdtempSync(join(tmpdir(), 'staged-')), 'tiny.vggw');
    await writePacked(path, graph, weights);
    const staged = await run(path, threads);
    const copied = await run(weights, 1);
    for (let i = 0; i < outputs.length; i++) {
      expect(staged[i]!.shape).toEqual(copied[i]!.shape);
      expect(Buffer.from(staged[i]!.data.buffer).equals(Buffer.from(copied[i]!.data.buffer)), outputs[i]).toBe(true);
    }
  });

  it('a corrupt staged kernel fails with E_WEIGHTS_CHECKSUM and the backend still runs', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'staged-')), 'tiny.vggw');
    const header = await writePacked(path, graph, weights);
    const kernel = header.tensors.find((t) => t.layer === 'block2_conv1' && t.role === 'kernel')!;
    const fd = openSync(path, 'r+');
    const byte = new Uint8Array(1);
    readSync(fd, byte, 0, 1, kernel.offset + 5);
    byte[0]! ^= 0x10;
    writeSync(fd, byte, 0, 1, kernel.offset + 5);
    closeSync(fd);
    const backend = await createSimdBackend({ threads: 2 });
    try {
      const { config } = resolveVggConfig({ model, weights: path, layers: ['block5_pool'] });
      await expect(createVgg(backend, config, { openWeights })).rejects.toMatchObject({ code: 'E_WEIGHTS_CHECKSUM' });
      const vgg = await createVgg(backend, resolveVggConfig({ model, weights, layers: outputs }).config, {
        openWeights,
      });
      const [first] = await vgg.extract(input);
      const [want] = await run(weights, 1);
      expect(Buffer.from(first!.data.buffer).equals(Buffer.from(want!.data.buffer))).toBe(true);
      await vgg.close();
    } finally {
      await backend.close();
    }
  });
});

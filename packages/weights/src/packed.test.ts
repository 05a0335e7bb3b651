import { mkdtempSync, openSync, readFileSync, statSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthH5 } from '@vggscope/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '@vggscope/core';
import type { WeightSet } from '@vggscope/core';
import { floatToHalf } from './float16.js';
import { loadWeights } from './load-weights.js';
import { readPacked, readPackedHeader, readPackedLayers, verifyPacked, writePacked } from './packed.js';
import { halfToFloat } from './float16.js';

const graph = buildGraph('vgg16');
let h5: WeightSet;
let packed: string;
beforeAll(async () => {
  h5 = await loadWeights(await synthH5('vgg16'), graph);
  packed = join(mkdtempSync(join(tmpdir(), 'packed-')), 'vgg16-notop.vggw');
  await writePacked(packed, graph, h5);
});

describe('packed weights', () => {
  it('round-trips bit-exactly with the .h5', async () => {
    const back = await loadWeights(packed, graph); // sniffed by magic
    expect(back.format).toBe('packed');
    expect([...back.layers.keys()]).toEqual([...h5.layers.keys()]);
    for (const [name, w] of h5.layers) {
      expect(
        Buffer.from(back.layers.get(name)!.kernel.data.buffer).equals(Buffer.from(w.kernel.data.buffer)),
        name,
      ).toBe(true);
      expect(Buffer.from(back.layers.get(name)!.bias.data.buffer).equals(Buffer.from(w.bias.data.buffer)), name).toBe(
        true,
      );
    }
  });

  it('a staging gets each f32 kernel read straight into its array (at any offset), bit-exactly; biases as before', async () => {
    const arena = new SharedArrayBuffer(64 * 2 ** 20);
    let top = 64;
    const handed = new Map<string, Float32Array>();
    const staging = {
      kernel: (layer: { name: string }, length: number) => {
        if (layer.name === 'block2_conv1') return undefined; // the backend may decline: the reader allocates
        const view = new Float32Array(arena, top, length);
        top += length * 4 + 64;
        handed.set(layer.name, view);
        return view;
      },
    };
    for await (const { name, weights } of readPackedLayers(packed, graph, undefined, staging)) {
      const want = h5.layers.get(name)!;
      expect(weights.kernel.data === handed.get(name), name).toBe(name !== 'block2_conv1');
      expect(Buffer.from(weights.kernel.data.slice().buffer).equals(Buffer.from(want.kernel.data.buffer)), name).toBe(
        true,
      );
      expect(weights.bias.data.buffer).not.toBe(arena);
      expect(Buffer.from(weights.bias.data.buffer).equals(Buffer.from(want.bias.data.buffer)), name).toBe(true);
    }
    expect(handed.size).toBe(12);
  });

  it('tensors start on 64-byte boundaries and the file holds exactly the data plus padding', async () => {
    const header = await readPackedHeader(packed);
    expect(header.tensors.every((t) => t.offset % 64 === 0)).toBe(true);
    const last = header.tensors.at(-1)!;
    expect(statSync(packed).size).toBe(last.offset + last.byteLength);
    expect(header.tensors.reduce((n, t) => n + t.byteLength, 0)).toBe(14_714_688 * 4);
  });

  it('loading block1_conv1 alone reads only its bytes', async () => {
    const w = await readPacked(packed, graph, new Set(['block1_conv1']));
    expect(w.bytesRead).toBe((1728 + 64) * 4);
    expect([...w.layers.keys()]).toEqual(['block1_conv1']);
  });

  it('float16 storage halves the size; weights within half-precision rounding', async () => {
    const f16 = join(mkdtempSync(join(tmpdir(), 'packed-')), 'f16.vggw');
    await writePacked(f16, graph, h5, { dtype: 'f16' });
    expect(statSync(f16).size / statSync(packed).size).toBeCloseTo(0.5, 2);
    const back = await readPacked(f16, graph);
    const a = back.layers.get('block3_conv2')!.kernel.data;
    const b = h5.layers.get('block3_conv2')!.kernel.data;
    let worst = 0;
    for (let i = 0; i < a.length; i++)
      if (Math.abs(b[i]!) > 1e-3) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.abs(b[i]!));
    expect(worst).toBeLessThanOrEqual(2 ** -11); // round-to-nearest, 10 mantissa bits
  });

  it('verify finds a flipped byte and names the tensor', async () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'packed-')), 'x.vggw');
    const bytes = readFileSync(packed);
    const header = await readPackedHeader(packed);
    const t = header.tensors.find((x) => x.layer === 'block2_conv1' && x.role === 'kernel')!;
    const fd = openSync(copy, 'w');
    writeSync(fd, bytes);
    writeSync(fd, Buffer.from([bytes[t.offset + 5]! ^ 1]), 0, 1, t.offset + 5);
    closeSync(fd);
    expect((await verifyPacked(copy)).bad).toEqual(['block2_conv1/kernel']);
    expect((await verifyPacked(packed)).bad).toEqual([]);
  });

  it('refuses weights of the other model, naming the right --model', async () => {
    await expect(readPacked(packed, buildGraph('vgg19'))).rejects.toThrow(
      /holds vgg16 weights, but vgg19 was requested; use --model vgg16/,
    );
  });
});

describe('floatToHalf (IEEE binary16, round to nearest even)', () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [1e6, 0x7c00],
    [2 ** -24, 0x0001],
    [0, 0],
    [0.1, 0x2e66],
    [1 + 2 ** -11, 0x3c00],
    [1 + 3 * 2 ** -11, 0x3c02],
  ])('%d → bits %i', (v, bits) => {
    expect(floatToHalf(v)).toBe(bits);
    if (bits !== 0x7c00) expect(halfToFloat(bits)).toBeCloseTo(v, 3);
  });
});

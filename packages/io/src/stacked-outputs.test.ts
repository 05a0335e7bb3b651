import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LayerOutput } from '@vggscope/core';
import { decodeNpy } from './npy.js';
import { decodeNpyStrings, NpyStackWriter } from './npy-stack.js';
import { openNpz } from './npz-reader.js';
import { PreviousStack, StackedOutputs } from './stacked-outputs.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'stack-'));
const shapes = new Map([
  ['block1_pool', [1, 2, 2, 3]],
  ['block5_pool', [1, 1, 1, 4]],
]);
/** Image `i`'s outputs: every value encodes (image, layer, position), so a row in the wrong place shows. */
const outputsOf = (i: number): LayerOutput[] =>
  [...shapes].map(([layer, shape], l) => ({
    layer,
    index: l,
    shape,
    ms: 0,
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, k) => i * 1000 + l * 100 + k),
  }));
const names = ['a/x.png', 'b/x.png', 'c.png', 'd.png'];

async function stack(outDir: string, format: 'npy' | 'npz', computed: number[], reuse = false) {
  const previous = reuse ? await PreviousStack.open(outDir, shapes, format) : undefined;
  const s = await StackedOutputs.create({ outDir, shapes, format, previous });
  const index = new Map<number, { row?: number }[]>();
  for (const i of names.keys()) {
    const r = s.reuse(i, names[i]!);
    if (r) index.set(i, r);
  }
  for (const i of computed) index.set(i, await s.append(i, names[i]!, outputsOf(i)));
  return { files: await s.finish(), index, previous };
}

/** The expected `[N, …]` array of layer `l` for images `order`, written out by hand. */
const expected = (l: number, order: number[]) => order.flatMap((i) => [...outputsOf(i)[l]!.data]);

describe('StackedOutputs', () => {
  it('one layer → features.npy and images.txt, rows in input order', async () => {
    const dir = tmp();
    const one = new Map([['block5_pool', [1, 1, 1, 4]]]);
    const s = await StackedOutputs.create({ outDir: dir, shapes: one, format: 'npy' });
    for (const i of [0, 1])
      await s.append(
        i,
        names[i]!,
        outputsOf(i)
          .slice(0, 1)
          .map((o) => ({ ...o, layer: 'block5_pool', shape: [1, 1, 1, 4], data: o.data.slice(0, 4) })),
      );
    expect(await s.finish()).toEqual([join(dir, 'features.npy'), join(dir, 'images.txt')]);
    const back = decodeNpy(readFileSync(join(dir, 'features.npy')));
    expect(back.shape).toEqual([2, 1, 1, 4]);
    expect([...back.data]).toEqual([0, 1, 2, 3, 1000, 1001, 1002, 1003]);
    expect(readFileSync(join(dir, 'images.txt'), 'utf8')).toBe('a/x.png\nb/x.png\n');
    expect(readdirSync(dir).sort()).toEqual(['features.npy', 'images.txt']); // no temp left
  });

  for (const format of ['npy', 'npz'] as const) {
    it(`${format}: an interrupted stack resumes — earlier rows copied, the rest computed, all in input order`, async () => {
      const dir = tmp();
      await stack(dir, format, [0, 2]); // "interrupted" after images 0 and 2
      const { files, index, previous } = await stack(dir, format, [1, 3], true);
      expect(previous?.rows).toEqual(
        new Map([
          ['a/x.png', 0],
          ['c.png', 1],
        ]),
      );
      expect([...index].sort(([a], [b]) => a - b).map(([, r]) => r[0]!.row)).toEqual([0, 1, 2, 3]);
      const read = async (layer: string) => {
        if (format === 'npy')
          return decodeNpy(
            readFileSync(join(dir, layer === 'block1_pool' ? 'features_block1_pool.npy' : 'features_block5_pool.npy')),
          );
        const npz = (await openNpz(join(dir, 'features.npz')))!;
        const chunks: Uint8Array[] = [];
        for await (const c of npz.read(layer)) chunks.push(new Uint8Array(c));
        await npz.close();
        return decodeNpy(Buffer.concat(chunks));
      };
      for (const [l, layer] of [...shapes.keys()].entries()) {
        const t = await read(layer);
        expect(t.shape).toEqual([4, ...shapes.get(layer)!.slice(1)]);
        expect([...t.data]).toEqual(expected(l, [0, 1, 2, 3]));
      }
      if (format === 'npy')
        expect(readFileSync(join(dir, 'images.txt'), 'utf8')).toBe(names.map((n) => `${n}\n`).join(''));
      else {
        const npz = (await openNpz(files[0]!))!;
        const chunks: Uint8Array[] = [];
        for await (const c of npz.read('images')) chunks.push(new Uint8Array(c));
        await npz.close();
        expect(decodeNpyStrings(Buffer.concat(chunks))).toEqual(names);
      }
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  }

  it('a previous stack of another shape, without its image list, or cut short is not reused', async () => {
    const dir = tmp();
    await stack(dir, 'npy', [0, 1]);
    const other = new Map([
      ['block1_pool', [1, 4, 4, 3]],
      ['block5_pool', [1, 1, 1, 4]],
    ]);
    expect(await PreviousStack.open(dir, other, 'npy')).toBeUndefined();
    const file = join(dir, 'features_block5_pool.npy');
    writeFileSync(file, readFileSync(file).subarray(0, -4));
    expect(await PreviousStack.open(dir, shapes, 'npy')).toBeUndefined();
    expect(await PreviousStack.open(tmp(), shapes, 'npy')).toBeUndefined();
  });
});

describe('NpyStackWriter', () => {
  for (const n of [3, 200_000, 300_000])
    // 12 B, 800 KB (fills the 1 MiB write buffer part-way), 1.2 MB (bypasses it)
    it(`rows of ${n} floats: every row lands where the header says`, async () => {
      const file = join(tmp(), 'x.npy');
      const w = await NpyStackWriter.create(file, [n]);
      const rows = [0, 1, 2, 3, 4].map((r) => Float32Array.from({ length: n }, (_, k) => r * 7 + (k % 13)));
      for (const data of rows) await w.append({ data, shape: [1, n] });
      expect(await w.close()).toEqual([5, n]);
      const back = decodeNpy(readFileSync(file));
      expect(back.shape).toEqual([5, n]);
      // Compared as bytes: toEqual walks 300,000-element arrays one element at a time (~10 s).
      const bytes = (f: Float32Array) => Buffer.from(f.buffer, f.byteOffset, f.byteLength);
      rows.forEach((data, r) =>
        expect(bytes(back.data.subarray(r * n, (r + 1) * n)).equals(bytes(data)), `row ${r}`).toBe(true),
      );
    });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON_WITH_NUMPY, skipNote } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from './npy.js';
import { openNpz } from './npz-reader.js';
import { crc32, NpzWriter } from './npz-writer.js';

const NO_NUMPY = skipNote(!PYTHON_WITH_NUMPY, 'no python3 with numpy');
const py = (code: string) => {
  const r = spawnSync(PYTHON_WITH_NUMPY!, ['-c', code], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as unknown;
};

describe('NpzWriter', () => {
  it('crc32 of "123456789" is the standard check value 0xcbf43926, also in pieces', () => {
    expect(crc32([new TextEncoder().encode('123456789')])).toBe(0xcbf43926);
    expect(crc32([new TextEncoder().encode('6789')], crc32([new TextEncoder().encode('12345')]))).toBe(0xcbf43926);
  });

  it.skipIf(!PYTHON_WITH_NUMPY)(
    `np.load reads every array back with its key, shape and values${NO_NUMPY}`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'npz-'));
      const w = await NpzWriter.create(join(dir, 'f.npz'));
      await w.add('cat/block5_pool', { data: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [1, 2, 3] });
      await w.add('dog/block5_pool', { data: Float32Array.from([-1.5]), shape: [1] });
      expect(readdirSync(dir)).toHaveLength(1); // only the temp file so far
      await w.close();
      expect(readdirSync(dir)).toEqual(['f.npz']);
      expect(
        py(
          `import numpy as np, json; z = np.load('${join(dir, 'f.npz')}'); print(json.dumps({k: [list(z[k].shape), z[k].ravel().tolist()] for k in sorted(z.files)}))`,
        ),
      ).toEqual({
        'cat/block5_pool': [
          [1, 2, 3],
          [1, 2, 3, 4, 5, 6],
        ],
        'dog/block5_pool': [[1], [-1.5]],
      });
    },
  );

  it('a duplicate key is refused (two images must never share an entry)', async () => {
    const w = await NpzWriter.create(join(mkdtempSync(join(tmpdir(), 'npz-')), 'f.npz'));
    await w.add('x/block5_pool', { data: new Float32Array(1), shape: [1] });
    await expect(w.add('x/block5_pool', { data: new Float32Array(1), shape: [1] })).rejects.toThrow(
      /duplicate key 'x\/block5_pool'/,
    );
    await w.abort();
  });

  it('abort leaves nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'npz-'));
    const w = await NpzWriter.create(join(dir, 'f.npz'));
    await w.add('a', { data: new Float32Array(4), shape: [4] });
    await w.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it.skipIf(!PYTHON_WITH_NUMPY)(
    `70,000 entries (past the 65,535 of plain zip) → ZIP64 that NumPy opens${NO_NUMPY}`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'npz-'));
      const file = join(dir, 'many.npz');
      const w = await NpzWriter.create(file);
      for (let i = 0; i < 70_000; i++)
        await w.add(`img${i}/global_average_pooling2d`, { data: Float32Array.from([i, -i]), shape: [1, 2] });
      await w.close();
      const r = py(
        `import numpy as np, json; z = np.load('${file}'); k = z.files; print(json.dumps([len(k), z['img0/global_average_pooling2d'].tolist(), z['img69999/global_average_pooling2d'].tolist(), z['img65536/global_average_pooling2d'].shape]))`,
      );
      expect(r).toEqual([70_000, [[0, -0]], [[69999, -69999]], [1, 2]]);
      const back = await openNpz(file);
      expect(back!.entries.size).toBe(70_000);
      expect(await back!.matches('img65535/global_average_pooling2d', [1, 2])).toBe(true);
      await back!.close();
    },
    120_000,
  );

  it.skipIf(!PYTHON_WITH_NUMPY)(
    `forced ZIP64 records (as written past 4 GiB) read back in NumPy and in openNpz${NO_NUMPY}`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'npz-'));
      const file = join(dir, 'z64.npz');
      const w = await NpzWriter.create(file, { forceZip64: true });
      await w.add('a', { data: Float32Array.from([1, 2, 3]), shape: [3] });
      const bytes = new Uint8Array(Buffer.concat(encodeNpy({ data: Float32Array.from([4, 5]), shape: [2] })));
      await w.addStream(
        'b',
        bytes.length,
        (async function* () {
          yield bytes.subarray(0, 7);
          yield bytes.subarray(7);
        })(),
      );
      await w.close();
      expect(
        py(`import numpy as np, json; z = np.load('${file}'); print(json.dumps({k: z[k].tolist() for k in z.files}))`),
      ).toEqual({ a: [1, 2, 3], b: [4, 5] });
      const back = await openNpz(file);
      expect([...back!.entries.keys()]).toEqual(['a', 'b']);
      expect(await back!.matches('b', [2])).toBe(true);
      expect(await back!.matches('b', [3])).toBe(false);
      await back!.close();
    },
  );

  it('openNpz copies entries into a new archive with their CRC checked; a truncated archive reads as absent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'npz-'));
    const w = await NpzWriter.create(join(dir, 'a.npz'));
    await w.add('x', { data: Float32Array.from({ length: 300_000 }, (_, i) => i), shape: [1, 300_000] });
    await w.close();
    const a = await openNpz(join(dir, 'a.npz'));
    const e = a!.entries.get('x')!;
    const w2 = await NpzWriter.create(join(dir, 'b.npz'));
    await w2.addStream('x', e.size, a!.read('x'), e.crc);
    await w2.close();
    await a!.close();
    expect(readFileSync(join(dir, 'b.npz')).equals(readFileSync(join(dir, 'a.npz')))).toBe(true);
    const whole = readFileSync(join(dir, 'a.npz'));
    writeFileSync(join(dir, 'cut.npz'), whole.subarray(0, whole.length - 10));
    expect(await openNpz(join(dir, 'cut.npz'))).toBeUndefined();
    writeFileSync(join(dir, 'empty.npz'), '');
    expect(await openNpz(join(dir, 'empty.npz'))).toBeUndefined();
    expect(statSync(join(dir, 'b.npz')).size).toBe(whole.length);
  });
});

// Opt-in (writes 4.3 GB; about a minute): VGGSCOPE_SLOW_TESTS=1 npx vitest run packages/io/src
const SLOW = process.env.VGGSCOPE_SLOW_TESTS === '1';
describe.skipIf(!SLOW || !PYTHON_WITH_NUMPY)(
  `NpzWriter past 4 GiB${skipNote(!SLOW, 'set VGGSCOPE_SLOW_TESTS=1 (writes 4.3 GB)')}${NO_NUMPY}`,
  () => {
    it('an entry larger than 4 GiB and one after the 4 GiB mark: Python lists both and NumPy reads the second', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'npz-big-'));
      const file = join(dir, 'big.npz');
      const n = 1_075_000_000; // float32 elements: 4.3 GB
      const parts = encodeNpy({ data: new Float32Array(0), shape: [n] });
      const header = parts[0]!;
      const chunk = new Uint8Array(1 << 24);
      const total = header.length + n * 4;
      const w = await NpzWriter.create(file);
      await w.addStream(
        'huge',
        total,
        (async function* () {
          yield header;
          for (let left = n * 4; left > 0; left -= chunk.length)
            yield left >= chunk.length ? chunk : chunk.subarray(0, left);
        })(),
      );
      await w.add('small', { data: Float32Array.from([1, 2, 3]), shape: [3] });
      await w.close();
      expect(statSync(file).size).toBeGreaterThan(2 ** 32);
      const r = py(`import numpy as np, json, zipfile
z = zipfile.ZipFile('${file}'); info = {i.filename: [i.file_size, i.header_offset] for i in z.infolist()}
print(json.dumps([info['huge.npy'][0], info['small.npy'][1] > 2**32, np.load('${file}')['small'].tolist()]))`);
      expect(r).toEqual([total, true, [1, 2, 3]]);
      rmSync(dir, { recursive: true });
    }, 600_000);
  },
);

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON_WITH_NUMPY, skipNote } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write.js';
import { decodeNpy, encodeNpy, encodeNpyParts } from './npy.js';

describe('encodeNpy', () => {
  it('writes a v1.0 header padded to 64 bytes and ending in a newline', () => {
    const bytes = encodeNpy({ data: new Float32Array(6), shape: [1, 2, 3] });
    expect([...bytes.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLen = bytes[8]! | (bytes[9]! << 8);
    expect((10 + headerLen) % 64).toBe(0);
    expect(bytes[10 + headerLen - 1]).toBe(0x0a);
    expect(new TextDecoder().decode(bytes.subarray(10, 10 + headerLen))).toContain("'shape': (1, 2, 3)");
    expect(bytes.length).toBe(10 + headerLen + 24);
  });

  it('1-D shapes get the tuple comma: (5,)', () => {
    expect(new TextDecoder().decode(encodeNpy({ data: new Float32Array(5), shape: [5] }))).toContain("'shape': (5,)");
  });

  it('decodes from a Node Buffer that is a view into a larger pool', () => {
    const bytes = Buffer.concat([
      Buffer.from('junk'),
      encodeNpy({ data: Float32Array.from([7, 8]), shape: [2] }),
    ]).subarray(4);
    expect([...decodeNpy(bytes).data]).toEqual([7, 8]);
  });

  it('is one buffer: writeFileSync(path, encodeNpy(t)) writes the file encodeNpyParts describes', () => {
    const t = { data: Float32Array.from([1, -2, 3.5]), shape: [3] };
    const file = join(mkdtempSync(join(tmpdir(), 'npy-')), 'one.npy');
    writeFileSync(file, encodeNpy(t));
    const [preamble, body] = encodeNpyParts(t);
    expect(body.buffer).toBe(t.data.buffer); // the parts form shares the tensor's memory (no copy)
    expect([...readFileSync(file)]).toEqual([...preamble, ...body]);
    expect([...decodeNpy(readFileSync(file)).data]).toEqual([1, -2, 3.5]);
  });

  it('round-trips through decodeNpy', () => {
    const data = Float32Array.from([1.5, -2, 3.25, Math.PI]);
    const back = decodeNpy(encodeNpy({ data, shape: [2, 2] }));
    expect(back.shape).toEqual([2, 2]);
    expect([...back.data]).toEqual([...data]);
  });

  it.skipIf(!PYTHON_WITH_NUMPY)(
    `NumPy loads it with the same shape and values${skipNote(!PYTHON_WITH_NUMPY, 'no python3 with numpy')}`,
    async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'npy-')), 'x.npy');
      const data = Float32Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);
      await writeFileAtomic(file, encodeNpy({ data, shape: [1, 2, 3, 4] }));
      const py = spawnSync(
        PYTHON_WITH_NUMPY!,
        [
          '-c',
          `import numpy as np, json; a = np.load('${file}'); print(json.dumps([list(a.shape), str(a.dtype), a.ravel().tolist()]))`,
        ],
        { encoding: 'utf8' },
      );
      const [shape, dtype, values] = JSON.parse(py.stdout) as [number[], string, number[]];
      expect(shape).toEqual([1, 2, 3, 4]);
      expect(dtype).toBe('float32');
      expect(values).toEqual([...data]);
    },
  );
});

describe('writeFileAtomic', () => {
  it('leaves no temp file behind and replaces the old content whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const file = join(dir, 'sub', 'out.bin');
    await writeFileAtomic(file, new Uint8Array([1, 2, 3]));
    await writeFileAtomic(file, [new Uint8Array([4]), new Uint8Array([5])]);
    expect([...readFileSync(file)]).toEqual([4, 5]);
    expect(spawnSync('ls', ['-A', join(dir, 'sub')], { encoding: 'utf8' }).stdout.trim()).toBe('out.bin');
  });
});

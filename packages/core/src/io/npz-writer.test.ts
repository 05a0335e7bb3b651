import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON_WITH_NUMPY, skipNote } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { crc32, NpzWriter } from './npz-writer.js';

describe('NpzWriter', () => {
  it('crc32 of "123456789" is the standard check value 0xcbf43926', () => {
    expect(crc32([new TextEncoder().encode('123456789')])).toBe(0xcbf43926);
  });

  it.skipIf(!PYTHON_WITH_NUMPY)(`np.load reads every array back with its key, shape and values${skipNote(!PYTHON_WITH_NUMPY, 'no python3 with numpy')}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'npz-'));
    const w = await NpzWriter.create(join(dir, 'f.npz'));
    await w.add('cat/block5_pool', { data: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [1, 2, 3] });
    await w.add('dog/block5_pool', { data: Float32Array.from([-1.5]), shape: [1] });
    expect(readdirSync(dir)).toHaveLength(1); // only the temp file so far
    await w.close();
    expect(readdirSync(dir)).toEqual(['f.npz']);
    const py = spawnSync(PYTHON_WITH_NUMPY!, ['-c', `import numpy as np, json; z = np.load('${join(dir, 'f.npz')}'); print(json.dumps({k: [list(z[k].shape), z[k].ravel().tolist()] for k in sorted(z.files)}))`], { encoding: 'utf8' });
    expect(JSON.parse(py.stdout)).toEqual({ 'cat/block5_pool': [[1, 2, 3], [1, 2, 3, 4, 5, 6]], 'dog/block5_pool': [[1], [-1.5]] });
  });

  it('abort leaves nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'npz-'));
    const w = await NpzWriter.create(join(dir, 'f.npz'));
    await w.add('a', { data: new Float32Array(4), shape: [4] });
    await w.abort();
    expect(readdirSync(dir)).toEqual([]);
  });
});

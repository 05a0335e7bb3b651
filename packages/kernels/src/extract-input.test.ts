import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyVgg } from '@vggscope/core';
import { REPO_ROOT, tinyWeights } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { loadVgg } from './load-vgg.js';

const PHOTO = join(REPO_ROOT, 'packages/cli/assets/chelsea.png');

describe('extract(input): every documented kind, and a typed error for anything else', () => {
  it("the file's bytes (Buffer, Uint8Array) give exactly what its path gives; garbage is E_USAGE, not a TypeError", async () => {
    const m = await loadVgg({
      model: tinyVgg('vgg16'),
      weights: await tinyWeights('vgg16', 'packed'),
      layers: ['block2_pool'],
      backend: 'reference',
    });
    try {
      const [fromPath] = await m.extract(PHOTO);
      const [fromBuffer] = await m.extract(readFileSync(PHOTO));
      const [fromBytes] = await m.extract(new Uint8Array(readFileSync(PHOTO)));
      expect(fromBuffer!.shape).toEqual(fromPath!.shape);
      expect(Buffer.from(fromBuffer!.data.buffer).equals(Buffer.from(fromPath!.data.buffer))).toBe(true);
      expect(Buffer.from(fromBytes!.data.buffer).equals(Buffer.from(fromPath!.data.buffer))).toBe(true);
      for (const bad of [42, null, { foo: 1 }, new Float64Array(3)])
        await expect(m.extract(bad as never)).rejects.toMatchObject({
          code: 'E_USAGE',
          message: expect.stringContaining('the bytes of an image file (Uint8Array/Buffer)'),
        });
      await expect(m.extract(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'E_IMAGE_DECODE' });
    } finally {
      await m.close();
    }
  });
});

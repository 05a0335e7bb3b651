import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyWeights } from '@vggscope/test-utils';
import { hashFile, verifyPacked } from '@vggscope/weights';
import { describe, expect, it } from 'vitest';
import { describeWeights } from './weights-info.js';

describe('describeWeights', () => {
  it('a packed file: its md5 by hashing, or from its verified stamp without hashing it again', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'weights-info-')), 'tiny.vggw');
    copyFileSync(await tinyWeights('vgg16', 'packed'), path);
    const md5 = await hashFile(path);
    await expect(describeWeights(path)).resolves.toMatchObject({ path, format: 'packed', md5, official: false });
    await verifyPacked(path, { quick: true, stamp: true }); // what the cache does once per file
    // The stamp (packed-stamp.ts names it) is what describeWeights reads: one that says otherwise is
    // believed while it matches the file, which shows the file was not hashed again.
    const stampPath = join(path, '..', '.tiny.vggw.verified');
    const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as Record<string, string>;
    expect(stamp.md5).toBe(md5);
    writeFileSync(stampPath, JSON.stringify({ ...stamp, md5: 'f'.repeat(32) }));
    await expect(describeWeights(path)).resolves.toMatchObject({ md5: 'f'.repeat(32) });
  });
});

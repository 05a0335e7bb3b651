import { copyFileSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyWeights } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { hashFile } from './md5-file.js';
import { verifyPackedOnce } from './packed.js';
import { packedStampPath, stampedMd5 } from './packed-stamp.js';

/** A tiny packed file of its own (stamps are written beside the file). */
async function freshPacked(): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'stamp-')), 'tiny.vggw');
  copyFileSync(await tinyWeights('vgg16', 'packed'), path);
  return path;
}

const stampOf = (path: string) => JSON.parse(readFileSync(packedStampPath(path), 'utf8')) as Record<string, string>;

describe('the verified stamp records the md5', () => {
  it('verifyPackedOnce stamps a clean file with its md5; stampedMd5 gives it back', async () => {
    const path = await freshPacked();
    expect(stampedMd5(path)).toBeUndefined(); // not verified yet
    await expect(verifyPackedOnce(path)).resolves.toMatchObject({ bad: [], stamped: false });
    expect(stampedMd5(path)).toBe(await hashFile(path));
    await expect(verifyPackedOnce(path)).resolves.toMatchObject({ bad: [], stamped: true });
  });

  it('a changed file voids the md5 with the stamp (rewritten with the same bytes, or only touched)', async () => {
    const path = await freshPacked();
    await verifyPackedOnce(path);
    writeFileSync(path, readFileSync(path));
    expect(stampedMd5(path)).toBeUndefined();
    await verifyPackedOnce(path);
    expect(stampedMd5(path)).toBe(await hashFile(path));
    utimesSync(path, new Date(), new Date(2001, 0, 1));
    expect(stampedMd5(path)).toBeUndefined();
  });

  it('a stamp written before stamps held the md5 still skips the CRC, and gets the md5 on the next check', async () => {
    const path = await freshPacked();
    await verifyPackedOnce(path);
    const { md5: _, ...identity } = stampOf(path);
    writeFileSync(packedStampPath(path), JSON.stringify(identity));
    expect(stampedMd5(path)).toBeUndefined();
    await expect(verifyPackedOnce(path)).resolves.toMatchObject({ bad: [], stamped: true });
    expect(stampOf(path)).toEqual({ ...identity, md5: await hashFile(path) });
  });

  it('a stamp whose md5 is not 32 hex digits, or a missing file, gives undefined', async () => {
    const path = await freshPacked();
    await verifyPackedOnce(path);
    writeFileSync(packedStampPath(path), JSON.stringify({ ...stampOf(path), md5: 'not-an-md5' }));
    expect(stampedMd5(path)).toBeUndefined();
    expect(stampedMd5(join(tmpdir(), 'no-such-dir-stamp', 'x.vggw'))).toBeUndefined();
  });
});

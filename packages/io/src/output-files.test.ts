import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isVggError } from '@vggscope/core';
import { cleanOutputTemps, cleanStaleTemps, writeFileAtomic } from './atomic-write.js';
import { commonFolder, sharedFolderPaths } from './output-keys.js';
import { encodeNpy, npyMatches, parseNpyHeader } from './npy.js';
import { npyFileMatches } from './npy-file.js';
import { NpzWriter } from './npz-writer.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'io-'));
const npy = (shape: number[]) => encodeNpy({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape });

describe('npy headers (what --skip-existing trusts)', () => {
  it('an encodeNpy file of the same shape matches; other shapes, truncation, 0 bytes and junk do not', async () => {
    const bytes = npy([1, 7, 7, 16]);
    expect(parseNpyHeader(bytes)).toMatchObject({
      descr: '<f4',
      fortranOrder: false,
      shape: [1, 7, 7, 16],
      dataOffset: 128,
    });
    expect(npyMatches(bytes, [1, 7, 7, 16])).toBe(true);
    expect(npyMatches(bytes, [1, 2, 2, 16])).toBe(false);
    expect(npyMatches(bytes.subarray(0, bytes.length - 4), [1, 7, 7, 16])).toBe(false);
    expect(npyMatches(new Uint8Array(0), [1])).toBe(false);
    expect(npyMatches(new TextEncoder().encode('\x93NUMPY junk'), [1])).toBe(false);
    const dir = tmp();
    writeFileSync(join(dir, 'ok.npy'), bytes);
    writeFileSync(join(dir, 'empty.npy'), '');
    mkdirSync(join(dir, 'folder.npy'));
    expect(await npyFileMatches(join(dir, 'ok.npy'), [1, 7, 7, 16])).toBe(true);
    expect(await npyFileMatches(join(dir, 'ok.npy'), [1, 14, 14, 16])).toBe(false);
    expect(await npyFileMatches(join(dir, 'empty.npy'), [1, 7, 7, 16])).toBe(false);
    expect(await npyFileMatches(join(dir, 'folder.npy'), [1])).toBe(false);
    expect(await npyFileMatches(join(dir, 'missing.npy'), [1])).toBe(false);
  });
});

describe('output faults → E_OUTPUT, nothing partial', () => {
  it('a regular file where the output folder should be (ENOTDIR/EEXIST) → E_OUTPUT naming it', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file'), 'x');
    const err = await writeFileAtomic(join(dir, 'file', 'sub', 'a.npy'), new Uint8Array(4)).catch((e: unknown) => e);
    expect(isVggError(err, 'E_OUTPUT')).toBe(true);
    expect((err as Error).message).toMatch(/cannot write '.*file.*' \((ENOTDIR|EEXIST)\): .*choose another --out/);
    const npz = await NpzWriter.create(join(dir, 'file', 'f.npz')).catch((e: unknown) => e);
    expect(isVggError(npz, 'E_OUTPUT')).toBe(true);
    expect(readdirSync(dir)).toEqual(['file']);
  });
});

describe('cleanStaleTemps', () => {
  it('removes our temp files of dead processes (and any a day old), keeps live ones and other files', async () => {
    const dir = tmp();
    // A pid that has exited: a finished child's.
    const child = spawn(process.execPath, ['-e', '']);
    const dead = child.pid!;
    await new Promise((r) => child.on('exit', r));
    const names = {
      dead: `.features.npz.${dead}.0123abcd.tmp`,
      mine: `.features.npz.${process.pid}.0123abcd.tmp`,
      oldLive: `.x.npy.${process.ppid}.deadbeef.tmp`,
      other: '.something.tmp',
      data: 'a.npy',
    };
    for (const n of Object.values(names)) writeFileSync(join(dir, n), 'x');
    const dayAgo = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(join(dir, names.oldLive), dayAgo, dayAgo);
    const removed = await cleanStaleTemps(dir);
    expect(removed.sort()).toEqual([names.dead, names.oldLive].sort());
    expect(existsSync(join(dir, names.mine))).toBe(true);
    expect(existsSync(join(dir, names.other))).toBe(true);
    expect(await cleanStaleTemps(join(dir, 'missing'))).toEqual([]);
  });

  it('writersGone (a retried queue shard): every temp of ours but those of this process goes, live pid or not', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'a', 'x'), { recursive: true });
    const names = [`.b.npy.${process.ppid}.0123abcd.tmp`, `.b.npy.${process.pid}.0123abcd.tmp`, '.other.tmp'];
    for (const n of names) writeFileSync(join(dir, 'a', 'x', n), 'x');
    writeFileSync(join(dir, `.features.jsonl.${process.ppid}.89abcdef.tmp`), 'x');
    expect(await cleanOutputTemps(dir, ['a/x'])).toBe(0); // the parent is alive: kept without the flag
    expect(await cleanOutputTemps(dir, ['a/x'], { writersGone: true })).toBe(2);
    expect(readdirSync(join(dir, 'a', 'x')).sort()).toEqual([names[1], names[2]].sort());
    expect(readdirSync(dir).sort()).toEqual(['a']);
  });
});

describe('commonFolder and sharedFolderPaths (the index paths rule)', () => {
  it('compares whole folder names, and gives paths relative to the shared folder with /', () => {
    expect(commonFolder(['/p/ab', '/p/ac'])).toBe('/p');
    expect(commonFolder(['/p/a', '/p/a/b', '/p/a'])).toBe('/p/a');
    expect(commonFolder(['/p', '/q'])).toBe('/');
    expect(sharedFolderPaths(['/p/a/x.png', '/p/b/y.png'])).toEqual(['a/x.png', 'b/y.png']);
    expect(sharedFolderPaths(['/p/a/x.png'])).toEqual(['x.png']);
    expect(sharedFolderPaths([join(process.cwd(), 'q', 'x.png'), 'q/s/y.png'])).toEqual(['x.png', 's/y.png']);
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '@vggscope/core';
import { readPacked, readPackedHeader, verifyPacked, writePacked } from './packed.js';
import { expectVggError, tinyWeights, tmp } from './testdata/hostile.js';

const graph = buildGraph('vgg16', { inputSize: [32, 32] });
let good: Uint8Array;
let dir: string;

beforeAll(async () => {
  dir = tmp('packed-hostile-');
  await writePacked(join(dir, 'good.vggw'), graph, tinyWeights(graph));
  good = readFileSync(join(dir, 'good.vggw'));
});

/** The file with its u32 header length replaced. */
function withHeaderLength(len: number): Uint8Array {
  const b = Uint8Array.from(good);
  new DataView(b.buffer).setUint32(8, len, true);
  return b;
}

/** The file with its JSON header edited in place (padded to the same length, so offsets still hold). */
function withHeader(edit: (h: Record<string, any>) => void): Uint8Array {
  const b = Uint8Array.from(good);
  const len = new DataView(b.buffer).getUint32(8, true);
  const h = JSON.parse(new TextDecoder().decode(b.subarray(12, 12 + len)));
  edit(h);
  const json = new TextEncoder().encode(JSON.stringify(h));
  if (json.length > len) throw new Error('edited header no longer fits');
  b.fill(0x20, 12, 12 + len);
  b.set(json, 12);
  return b;
}

function save(bytes: Uint8Array, name = 'x.vggw'): string {
  const p = join(tmp('packed-hostile-'), name);
  writeFileSync(p, bytes);
  return p;
}

const allReaders = (p: string) => [() => readPackedHeader(p), () => readPacked(p, graph), () => verifyPacked(p)];

describe('packed .vggw: hostile headers → E_WEIGHTS_FORMAT before any read or allocation', () => {
  it.each([
    ['2^31', 2 ** 31],
    ['0xFFFFFFFF', 0xffffffff],
    ['0', 0],
    ['one byte past the file', 0],
  ])('header length %s', async (label, len) => {
    const p = save(label === 'one byte past the file' ? withHeaderLength(good.length - 11) : withHeaderLength(len));
    for (const read of allReaders(p)) {
      const e = await expectVggError(read, 'E_WEIGHTS_FORMAT', 2000);
      expect(e.message).toMatch(/packed header length \d+ does not fit a \d+-byte file/);
    }
  });

  it.each([0, 5, 11])('a file of %i bytes', async (n) => {
    for (const read of allReaders(save(good.subarray(0, n)))) await expectVggError(read, 'E_WEIGHTS_FORMAT', 2000);
  });

  it.each<[string, (h: Record<string, any>) => void, RegExp]>([
    ['offset past the end', (h) => (h.tensors[1].offset = 10 ** 9), /lie outside the data area/],
    ['negative offset', (h) => (h.tensors[0].offset = -64), /offset -64/],
    ['fractional byteLength', (h) => (h.tensors[0].byteLength = 12.5), /byteLength 12\.5/],
    ['offset as a string', (h) => (h.tensors[0].offset = '4096'), /offset "4096"/],
    ['offset inside the header', (h) => (h.tensors[0].offset = 12), /outside the data area/],
    [
      'byteLength disagrees with the shape',
      (h) => (h.tensors[0].byteLength -= 4),
      /does not match shape \(3, 3, 3, 64\) × 4 bytes = 6912/,
    ],
    [
      'a (3,3,3,1e8) shape with a matching byteLength',
      (h) => {
        h.tensors[0].shape = [3, 3, 3, 1e8];
        h.tensors[0].byteLength = 3 * 3 * 3 * 1e8 * 4;
      },
      /outside the data area/,
    ],
    [
      'shape with a 2^60 dimension',
      (h) => (h.tensors[0].shape = [2 ** 60, 2 ** 60]),
      /block1_conv1\/kernel shape is \[/,
    ],
    [
      'shape whose product overflows',
      (h) => (h.tensors[0].shape = [2 ** 30, 2 ** 30, 2 ** 30]),
      /does not match shape/,
    ],
    ['overlapping tensors', (h) => (h.tensors[1].offset = h.tensors[0].offset), /overlaps/],
    [
      'a tensor listed twice',
      (h) => {
        h.tensors[1].layer = h.tensors[0].layer;
        h.tensors[1].role = h.tensors[0].role;
      },
      /appears twice/,
    ],
    ['tensors not an array', (h) => (h.tensors = { length: 1e9 }), /tensors is not an array/],
    ['unknown version', (h) => (h.version = 3), /version 3 is not 1 or 2/],
    ['unknown dtype', (h) => (h.tensors[0].dtype = 'f64'), /dtype is "f64"/],
    ['crc32 missing in a version 2 file', (h) => delete h.tensors[0].crc32, /crc32 is undefined/],
    [
      'not an object',
      (h) => {
        for (const k of Object.keys(h)) delete h[k];
      },
      /format is undefined/,
    ],
  ])('%s', async (_label, edit, message) => {
    const p = save(withHeader(edit));
    for (const read of allReaders(p)) {
      const e = await expectVggError(read, 'E_WEIGHTS_FORMAT', 2000);
      expect(e.message).toMatch(message);
      expect(e.message).toContain(p);
    }
  });

  it('header JSON cut short → E_WEIGHTS_FORMAT', async () => {
    const b = Uint8Array.from(good);
    b[12] = 0x5b; // '[' where '{' was: parses to nothing sensible
    b[13] = 0x31;
    await expectVggError(() => readPacked(save(b), graph), 'E_WEIGHTS_FORMAT');
  });

  it('a file truncated in its data area → E_WEIGHTS_FORMAT (the header names bytes the file lacks)', async () => {
    const e = await expectVggError(
      () => readPacked(save(good.subarray(0, good.length - 4)), graph),
      'E_WEIGHTS_FORMAT',
    );
    expect(e.message).toMatch(/block1_conv2\/bias bytes \d+\.\.\d+ lie outside the data area/);
  });
});

describe('packed .vggw: tensor data is checked on every load', () => {
  async function tensorOffset(layer: string, role: string): Promise<number> {
    const h = await readPackedHeader(save(good));
    return h.tensors.find((t) => t.layer === layer && t.role === role)!.offset;
  }

  it('a flipped mantissa bit in one layer → E_WEIGHTS_CHECKSUM naming the tensor (version 2: CRC-32)', async () => {
    const b = Uint8Array.from(good);
    b[(await tensorOffset('block1_conv2', 'kernel')) + 100]! ^= 0x01;
    const p = save(b);
    const e = await expectVggError(() => readPacked(p, graph), 'E_WEIGHTS_CHECKSUM');
    expect(e.message).toMatch(/block1_conv2\/kernel does not match its CRC-32/);
    // the other layer alone still loads: the check is per tensor
    await expect(readPacked(p, graph, new Set(['block1_conv1']))).resolves.toMatchObject({
      bytesRead: (1728 + 64) * 4,
    });
    expect((await verifyPacked(p)).bad).toEqual(['block1_conv2/kernel']);
    expect((await verifyPacked(p, { quick: true })).bad).toEqual(['block1_conv2/kernel']);
  });

  it('version 1 files (no CRC-32) still load, and are checked with their sha256', async () => {
    const v1 = withHeader((h) => {
      h.version = 1;
      for (const t of h.tensors) delete t.crc32;
    });
    const w = await readPacked(save(v1), graph);
    expect([...w.layers.keys()]).toEqual(['block1_conv1', 'block1_conv2']);
    expect(w.layers.get('block1_conv2')!.kernel.data).toEqual(
      tinyWeights(graph).layers.get('block1_conv2')!.kernel.data,
    );
    v1[(await tensorOffset('block1_conv1', 'bias')) + 3]! ^= 0x80;
    const e = await expectVggError(() => readPacked(save(v1), graph), 'E_WEIGHTS_CHECKSUM');
    expect(e.message).toMatch(/block1_conv1\/bias does not match its sha256/);
  });

  it("a consistent header whose shape is not the graph's → E_WEIGHTS_SHAPE", async () => {
    const b = withHeader((h) => (h.tensors[0].shape = [3, 3, 64, 3]));
    const e = await expectVggError(() => readPacked(save(b), graph), 'E_WEIGHTS_SHAPE');
    expect(e.message).toMatch(/block1_conv1\/kernel is \(3, 3, 64, 3\), but vgg16 needs \(3, 3, 3, 64\)/);
  });

  it('a missing file → E_WEIGHTS_NOT_FOUND; a folder → E_WEIGHTS_FORMAT', async () => {
    await expectVggError(() => readPacked('/nonexistent/x.vggw', graph), 'E_WEIGHTS_NOT_FOUND');
    await expectVggError(() => readPacked(tmp(), graph), 'E_WEIGHTS_FORMAT');
  });
});

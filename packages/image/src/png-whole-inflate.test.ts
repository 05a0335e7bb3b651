import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { ihdr, pngFile, type PngChunk } from './testdata/png-build.js';

/** Output lengths of the decoder's one-call inflates (the path is taken when one equals the rows' size). */
const inflated = vi.hoisted(() => [] as number[]);
vi.mock('node:zlib', async (importOriginal) => {
  const zlib = await importOriginal<typeof import('node:zlib')>();
  const inflateSync = (...args: Parameters<typeof zlib.inflateSync>) => {
    const out = zlib.inflateSync(...args);
    inflated.push(out.length);
    return out;
  };
  return { ...zlib, inflateSync, default: { ...zlib, inflateSync } };
});

// Imported once the mock is in place, from a fresh module registry: the suite runs files without
// isolation (vitest.config.ts), so another file may already have loaded the decoder with the real zlib.
vi.resetModules();
const { decodePng } = await import('./decode-png.js');

/** What a decode gives: the pixels' md5, or the refusal. */
function outcome(bytes: Uint8Array, wholeInflate: boolean): string {
  try {
    const img = decodePng(bytes, 'test.png', { wholeInflate });
    return `${img.width}×${img.height} ${createHash('md5').update(img.data).digest('hex')}`;
  } catch (e) {
    return `refused: ${(e as Error).message}`;
  }
}

const [W, H] = [37, 23];
const raw = Buffer.alloc((W * 3 + 1) * H);
for (let y = 0; y < H; y++) {
  raw[y * (W * 3 + 1)] = y % 5; // every PNG filter type
  for (let i = 1; i <= W * 3; i++) raw[y * (W * 3 + 1) + i] = (i * 7 + y * 13) & 255;
}
const stream = deflateSync(raw);
const text: PngChunk = ['tEXt', [...Buffer.from('Comment\0after the image')]];
const split = (b: Uint8Array, at: number[]) => [0, ...at].map((a, i) => b.subarray(a, at[i] ?? b.length));
const idats = (parts: Uint8Array[]): PngChunk[] => parts.map((p) => ['IDAT', p]);
const file = (...middle: PngChunk[]) => pngFile([ihdr(W, H), ...middle, ['IEND', []]]);
const flipped = (b: Uint8Array, at: number) => Uint8Array.from(b, (v, i) => (i === at ? v ^ 0x55 : v));

// [name, file, whether the one-call inflate takes it]
const cases: [string, Uint8Array, boolean][] = [
  ['one IDAT', file(['IDAT', stream]), true],
  [
    'five IDATs, one empty, the Adler-32 alone in the last',
    file(...idats(split(stream, [3, 3, 40, stream.length - 4]))),
    true,
  ],
  ['a text chunk after the data', file(['IDAT', stream], text), true],
  ['Adler-32 wrong (every row intact)', file(['IDAT', flipped(stream, stream.length - 1)]), false],
  ['no Adler-32 (every row intact)', file(['IDAT', stream.subarray(0, stream.length - 4)]), false],
  // node:zlib stops at the stream's end, as the row-by-row drive stops once every row is in: both read it.
  ['bytes after the zlib stream', file(['IDAT', Buffer.concat([stream, Buffer.from([1, 2, 3])])]), true],
  [
    'a stream one row longer than the image',
    file(['IDAT', deflateSync(Buffer.concat([raw, raw.subarray(0, W * 3 + 1)]))]),
    false,
  ],
  ['a stream one row short', file(['IDAT', deflateSync(raw.subarray(0, (W * 3 + 1) * (H - 1)))]), false],
  ['a damaged deflate block', file(['IDAT', flipped(stream, 20)]), false],
  [
    'data split by a text chunk',
    file(...idats(split(stream, [30]).slice(0, 1)), text, ['IDAT', stream.subarray(30)]),
    false,
  ],
  ['the file cut inside the last IDAT', file(['IDAT', stream]).subarray(0, 33 + 8 + stream.length - 2), false],
];

describe("PNG: the one-call inflate decides exactly as the row-by-row one (Pillow's ZipDecode drive)", () => {
  it.each(cases)('%s', (_name, bytes, takesIt) => {
    const rowByRow = outcome(bytes, false);
    inflated.length = 0;
    expect(outcome(bytes, true)).toBe(rowByRow);
    expect(inflated.includes(raw.length), 'the one-call inflate was used').toBe(takesIt);
    if (takesIt) expect(rowByRow).toMatch(/^37×23 /);
  });
});

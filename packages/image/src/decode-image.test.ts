import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { FIXTURES, NO_FIXTURES_REASON, fixture } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { isVggError } from '@vggscope/core';
import { decodeImage } from './decode-image.js';
import { loadImg, loadInput } from './load-image.js';

const decodeFixture = (name: string) => decodeImage(readFileSync(fixture('images', name)), name);

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

// What Pillow 9.4 (libjpeg-turbo 2.1.5, libwebp 1.2.4) returns for every fixture, from the fixtures'
// own pillow_reference.json: md5 of convert('RGB') pixels and of Keras' load_img(f, target_size=(224, 224)).
interface PillowRef {
  format: string;
  mode: string;
  shape: [number, number, number];
  rgb_md5: string;
  load_img_224_md5: string;
}
const REFERENCE: Record<string, PillowRef> = FIXTURES
  ? (
      JSON.parse(readFileSync(fixture('images', 'pillow_reference.json'), 'utf8')) as {
        files: Record<string, PillowRef>;
      }
    ).files
  : {};

describe.skipIf(!FIXTURES)(
  `every fixture image equals Pillow bit for bit${FIXTURES ? '' : ` (skipped: ${NO_FIXTURES_REASON})`}`,
  () => {
    it('the reference covers every format and JPEG kind the issue names', () => {
      const names = Object.keys(REFERENCE);
      for (const n of [
        'chelsea_420.jpg',
        'astronaut_422.jpg',
        'coffee_progressive.jpg',
        'camera_gray.jpg',
        'astronaut_cmyk.jpg',
        'chelsea.bmp',
        'logo.gif',
        'coffee.webp',
        'coffee.tif',
      ]) {
        expect(names).toContain(n);
      }
    });

    it.each(Object.entries(REFERENCE))(
      '%s: convert("RGB") pixels and load_img 224×224 have Pillow\'s md5',
      async (name, ref) => {
        const bytes = readFileSync(fixture('images', name));
        const full = decodeImage(bytes, name);
        expect([full.height, full.width, 3]).toEqual(ref.shape);
        expect(md5(full.data)).toBe(ref.rgb_md5);
        const img = await loadImg(fixture('images', name), [224, 224]);
        expect(md5(img.data)).toBe(ref.load_img_224_md5);
      },
    );

    it('the format comes from the bytes, not the name: a PNG and a JPEG handed over as bytes with swapped names', () => {
      const png = readFileSync(fixture('images', 'chelsea.png'));
      const jpg = readFileSync(fixture('images', 'chelsea_420.jpg'));
      expect(md5(decodeImage(png, 'chelsea.jpg').data)).toBe(REFERENCE['chelsea.png']!.rgb_md5);
      expect(md5(decodeImage(jpg, 'chelsea.png').data)).toBe(REFERENCE['chelsea_420.jpg']!.rgb_md5);
    });

    it("chelsea_420.jpg decodes to exactly the pixels of Pillow's lossless copy chelsea_420_pillow.png, so VGG gets the same input", async () => {
      const jpg = decodeFixture('chelsea_420.jpg');
      const png = decodeFixture('chelsea_420_pillow.png');
      expect(Buffer.compare(jpg.data, png.data)).toBe(0);
      const [a, b] = await Promise.all(
        ['chelsea_420.jpg', 'chelsea_420_pillow.png'].map((n) => loadInput(fixture('images', n))),
      );
      expect(Buffer.compare(Buffer.from(a!.data.buffer), Buffer.from(b!.data.buffer))).toBe(0);
    });
  },
);

describe('small committed files of every format equal Pillow (no Python or fixtures needed)', () => {
  // testdata/seed*: one seeded 32×24 pattern saved by Pillow 9.4 as JPEG (4:2:0, progressive,
  // CMYK), PNG (RGB, palette), GIF, BMP (24-bit, palette), WebP (lossy, lossless), TIFF (LZW,
  // deflate); seeds.pillow.json holds Pillow's convert('RGB') md5 of each. Also the fuzzers' seeds.
  const seeds = JSON.parse(readFileSync(join(import.meta.dirname, 'testdata', 'seeds.pillow.json'), 'utf8')) as {
    files: Record<string, { mode: string; rgb_md5: string }>;
  };
  it.each(Object.entries(seeds.files).map(([n, r]) => [n, r.mode, r.rgb_md5] as const))(
    '%s (Pillow mode %s)',
    (name, _mode, rgbMd5) => {
      expect(md5(decodeImage(readFileSync(join(import.meta.dirname, 'testdata', name)), name).data)).toBe(rgbMd5);
    },
  );
});

describe('JPEG with a restart marker after every MCU (no Python needed)', () => {
  // testdata/restart_420_83x57.jpg: a Pillow 9.4 4:2:0 q75 JPEG given 23 RST markers with
  // `jpegtran -restart 1B`; md5 of Pillow 9.4's convert('RGB') of it.
  it("83×57 4:2:0 decodes to Pillow's pixels", () => {
    const img = decodeImage(
      readFileSync(join(import.meta.dirname, 'testdata', 'restart_420_83x57.jpg')),
      'restart.jpg',
    );
    expect([img.width, img.height]).toEqual([83, 57]);
    expect(md5(img.data)).toBe('1ee1900f18d6be752b794b0b521276d4');
  });
});

describe('decodeImage on synthetic PNGs (Pillow convert("RGB") rules, checked against Pillow 9.4)', () => {
  const encode = (width: number, data: number[], colorType: 0 | 2 | 4 | 6, bitDepth: 8 | 16) => {
    const png = new PNG({
      width,
      height: 1,
      colorType,
      inputColorType: colorType,
      bitDepth,
      inputHasAlpha: colorType >= 4,
    });
    (png as unknown as { data: unknown }).data =
      bitDepth === 16 ? Buffer.from(new Uint16Array(data).buffer) : Buffer.from(data);
    return new Uint8Array(
      PNG.sync.write(png, { colorType, inputColorType: colorType, bitDepth, inputHasAlpha: colorType >= 4 }),
    );
  };

  it('16-bit gray clips at 255 like Pillow mode I (0,1,255,256,4095,65535 → 0,1,255,255,255,255)', () => {
    const img = decodeImage(encode(6, [0, 1, 255, 256, 4095, 65535], 0, 16));
    expect([...img.data.filter((_, i) => i % 3 === 0)]).toEqual([0, 1, 255, 255, 255, 255]);
  });

  it('16-bit RGBA keeps the high byte and drops alpha', () => {
    const img = decodeImage(encode(2, [0x1234, 0xff00, 0x00ff, 1000, 65535, 256, 0, 0], 6, 16));
    expect([...img.data]).toEqual([0x12, 0xff, 0x00, 0xff, 0x01, 0x00]);
  });

  it('8-bit RGBA drops alpha without blending: (200,100,50,α=0) stays (200,100,50)', () => {
    const img = decodeImage(encode(2, [200, 100, 50, 0, 10, 20, 30, 128], 6, 8));
    expect([...img.data]).toEqual([200, 100, 50, 10, 20, 30]);
  });

  it('8-bit gray+alpha replicates gray into R=G=B', () => {
    const img = decodeImage(encode(2, [7, 0, 200, 255], 4, 8));
    expect([...img.data]).toEqual([7, 7, 7, 200, 200, 200]);
  });
});

describe('decodeImage errors: typed, naming the file and what was found', () => {
  const enc = (t: string) => new TextEncoder().encode(t);
  it.each([
    [
      'a text file named .jpg',
      enc('hello, this is not an image\n'),
      /not an image this tool reads: text, not an image \(starts "hello/,
    ],
    ['a PDF', enc('%PDF-1.7\n%\u00e2\u00e3'), /a PDF document/],
    ['HTML saved as .png', enc('<!DOCTYPE html><html>'), /an HTML page/],
    [
      'random bytes',
      new Uint8Array([0x00, 0x01, 0x02, 0x03, 0xfe]),
      /unrecognised bytes \(first bytes 00 01 02 03 fe\)/,
    ],
    ['empty file', new Uint8Array(0), /an empty file/],
    [
      'truncated PNG',
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]),
      /corrupt or unsupported PNG/,
    ],
    ['truncated JPEG', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]), /corrupt or unsupported JPEG/],
    ['truncated GIF', enc('GIF89a\x01\0\x01\0'), /corrupt or unsupported GIF/],
    ['truncated BMP', enc('BM\0\0\0\0'), /corrupt or unsupported BMP/],
    ['truncated WebP', enc('RIFF\0\0\0\0WEBPVP8 '), /corrupt or unsupported WebP/],
    ['truncated TIFF', new Uint8Array([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0]), /corrupt or unsupported TIFF/],
  ])('%s → E_IMAGE_DECODE', (_, bytes, msg) => {
    try {
      decodeImage(bytes, 'x.img');
      expect.unreachable();
    } catch (e) {
      expect(isVggError(e, 'E_IMAGE_DECODE')).toBe(true);
      expect((e as Error).message).toMatch(/^x\.img: /);
      expect((e as Error).message).toMatch(msg);
    }
  });

  it('a missing file → E_IMAGE_READ with the path', async () => {
    await expect(loadImg('/nonexistent/cat.png')).rejects.toMatchObject({
      code: 'E_IMAGE_READ',
      message: expect.stringContaining("'/nonexistent/cat.png'"),
    });
  });
});

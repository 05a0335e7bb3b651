import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { decodeImage } from './decode-image.js';
import { loadImg, loadImgFromBytes } from './load-image.js';
import { ihdr, pngFile, rgbPng } from './testdata/png-build.js';

// Issue 19, "Broken" 1 and 2: image data shorter than the header declares. Pillow refuses these
// ("image file is truncated"); pixels must only ever come from the file.
const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const quietly = <T>(f: () => T): T => {
  const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  try {
    return f();
  } finally {
    warn.mockRestore();
  }
};

/**
 * A real baseline JPEG (testdata/seed-420.jpg) cut right after its scan header: every table, no
 * image data; optionally with its size patched and an EOI appended.
 */
function jpegWithoutData(size?: [number, number], eoi = false): Uint8Array {
  const j = readFileSync(join(import.meta.dirname, 'testdata', 'seed-420.jpg'));
  const sos = j.indexOf(Buffer.from([0xff, 0xda]));
  const out = Buffer.concat([j.subarray(0, sos + 2 + j.readUInt16BE(sos + 2)), Buffer.from(eoi ? [0xff, 0xd9] : [])]);
  if (size) {
    const sof = out.indexOf(Buffer.from([0xff, 0xc0]));
    out.writeUInt16BE(size[1], sof + 5);
    out.writeUInt16BE(size[0], sof + 7);
  }
  return new Uint8Array(out);
}

/** The 74-byte repro: an RGB header of this size and an IDAT holding 1,000 zero bytes. */
const shortPng = (w: number, h: number, depth = 8, colorType = 2, raw = 1000, interlace = 0) =>
  pngFile([ihdr(w, h, depth, colorType, interlace), ['IDAT', deflateSync(Buffer.alloc(raw))], ['IEND', []]]);

describe('PNG with less image data than its header declares', () => {
  it('the 74-byte 224×224 file is refused, with the same message every run', () => {
    const png = shortPng(224, 224);
    expect(png.length).toBe(74);
    const messages = [1, 2, 3].map(() => {
      try {
        decodeImage(png, 'short.png');
        return 'decoded';
      } catch (e) {
        return `${(e as { code: string }).code}: ${(e as Error).message}`;
      }
    });
    expect(new Set(messages).size).toBe(1);
    expect(messages[0]).toMatch(/^E_IMAGE_DECODE: short\.png: .*image file is truncated.* 1 of 224 rows/);
  });

  it.each([
    [2000, 2000, 0],
    [12000, 12000, 0],
    [12000, 12000, 1],
  ])('declaring %i×%i (Adam7: %i): refused in well under a second, without image-sized memory', (w, h, adam7) => {
    const rss0 = rssMb();
    const t0 = performance.now();
    const png = shortPng(w, h, 8, 2, 1000, adam7);
    for (const f of [() => decodeImage(png, 's.png'), () => loadImgFromBytes(png, 's.png')])
      expect(() => quietly(f)).toThrow(expect.objectContaining({ code: 'E_IMAGE_DECODE' }));
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(rssMb() - rss0).toBeLessThan(100); // the image would be 12 MB / 432 MB of RGB
  });

  it('1.9 KB declaring 5,701,672×30 16-bit grey: refused after inflating only what the data holds', () => {
    const png = shortPng(5_701_672, 30, 16, 0, 2_000_000);
    expect(png.length).toBeLessThan(2500);
    const rss0 = rssMb();
    const t0 = performance.now();
    for (const f of [() => decodeImage(png, 'wide.png'), () => loadImgFromBytes(png, 'wide.png')])
      expect(() => quietly(f)).toThrow(/image file is truncated.* 0 of 30 rows/);
    expect(performance.now() - t0).toBeLessThan(3000); // was 11 s; ~0.1 s on a quiet machine
    expect(rssMb() - rss0).toBeLessThan(200);
  });

  it('loadTruncatedImages keeps the decoded rows and leaves the rest black, as Pillow does', () => {
    const full = rgbPng(20, 10, (x, y) => [x * 10, y * 20, 200]);
    const whole = decodeImage(full, 'full.png');
    // Re-encode the first 4 rows only: the stream ends, the header still says 10 rows.
    const raw = Buffer.alloc(4 * 61);
    for (let y = 0; y < 4; y++) raw.set(whole.data.subarray(y * 60, (y + 1) * 60), y * 61 + 1);
    const cut = pngFile([ihdr(20, 10), ['IDAT', deflateSync(raw.subarray(0, 4 * 61 - 7))], ['IEND', []]]);
    expect(() => decodeImage(cut, 'cut.png')).toThrow(/image file is truncated/);
    const kept = decodeImage(cut, 'cut.png', { loadTruncatedImages: true });
    expect(kept.data.subarray(0, 3 * 60)).toEqual(whole.data.subarray(0, 3 * 60));
    expect(kept.data.subarray(3 * 60).every((v) => v === 0)).toBe(true);
  });
});

describe('consecutive loads cannot leak one image into another (folder mode calls loadImg in turn)', () => {
  it('a truncated PNG or JPEG after a bright image is refused, or (opted in) identical after any predecessor', async () => {
    const bright = rgbPng(64, 48, () => [250, 250, 250]);
    const other = rgbPng(64, 48, (x, y) => [x * 4, y * 5, 7]);
    const cutPng = shortPng(64, 48, 8, 2, 3 * 193 + 50);
    const cutJpeg = jpegWithoutData([64, 48]);
    for (const cut of [cutPng, cutJpeg]) {
      await loadImg(bright, { targetSize: null });
      await expect(loadImg(cut, { targetSize: null })).rejects.toMatchObject({ code: 'E_IMAGE_DECODE' });
      const afterBright = await loadImg(cut, { targetSize: null, loadTruncatedImages: true });
      await loadImg(other, { targetSize: null });
      const afterOther = await loadImg(cut, { targetSize: null, loadTruncatedImages: true });
      expect(afterBright.data).toEqual(afterOther.data);
      expect(afterBright.data.some((v) => v >= 250)).toBe(false);
    }
  });
});

describe('JPEG with no image data', () => {
  it('13000×13000 declared, no scan data and no EOI: refused at once, without decoding', () => {
    const jpeg = jpegWithoutData([13000, 13000]);
    expect(jpeg.length).toBeLessThan(1000);
    const rss0 = rssMb();
    const t0 = performance.now();
    expect(() => quietly(() => decodeImage(jpeg, 'empty.jpg'))).toThrow(
      expect.objectContaining({ code: 'E_IMAGE_DECODE', message: expect.stringMatching(/image file is truncated/) }),
    );
    expect(performance.now() - t0).toBeLessThan(200);
    expect(rssMb() - rss0).toBeLessThan(50);
  });
  it('with an EOI after the empty scan Pillow reads it (libjpeg fills the missing data), and so do we', () => {
    // make-corpus.py's jpeg_no_scan_data_eoi.jpg proves Pillow's side; here, a small one decodes.
    const img = decodeImage(jpegWithoutData([64, 48], true), 'eoi.jpg');
    expect([img.width, img.height]).toEqual([64, 48]);
  });
});

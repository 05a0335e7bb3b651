import { deflateSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { isVggError } from '@vggscope/core';
import { decodeImage } from './decode-image.js';
import { DEFAULT_MAX_PIXELS, PILLOW_WARN_PIXELS } from './image-limits.js';
import { loadImg } from './load-image.js';
import { bmpHeader, gifHeader, jpegHeader, pngHeader, tiffHeader, webpHeader } from './testdata/crafted-headers.js';
import { ihdr, pngFile } from './testdata/png-build.js';

const BOMBS: [string, Uint8Array, string][] = [
  ['JPEG 65,500×65,500', jpegHeader(65_500, 65_500), '65500×65500 = 4,290,250,000 pixels'],
  ['PNG 50,000×50,000', pngHeader(50_000, 50_000), '50000×50000 = 2,500,000,000 pixels'],
  ['GIF 65,535×65,535', gifHeader(65_535, 65_535), '65535×65535'],
  ['BMP 100,000×100,000', bmpHeader(100_000, 100_000), '100000×100000'],
  ['WebP 16,384×16,384', webpHeader(16_384, 16_384), '16384×16384 = 268,435,456 pixels'],
  ['TIFF 40,000×40,000', tiffHeader(40_000, 40_000), '40000×40000'],
];

describe('decompression-bomb guard: the size is read from the header before anything is allocated', () => {
  it.each(BOMBS)('%s → E_IMAGE_TOO_LARGE in milliseconds, without allocating', (_, bytes, size) => {
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    let err: unknown;
    for (let i = 0; i < 20; i++) {
      try {
        decodeImage(bytes, 'bomb.img');
      } catch (e) {
        err = e;
      }
    }
    const msPerTry = (performance.now() - t0) / 20;
    const rssGrowthMb = (process.memoryUsage().rss - rss0) / 2 ** 20;
    expect(isVggError(err, 'E_IMAGE_TOO_LARGE')).toBe(true);
    expect((err as Error).message).toContain(size);
    expect((err as Error).message).toContain('--max-pixels');
    expect(msPerTry).toBeLessThan(50); // measured ≈ 0.01–0.3 ms; generous for a loaded CI machine
    expect(rssGrowthMb).toBeLessThan(64); // a decode would need 0.8–12.8 GB
  });

  it('an Adam7 PNG whose 50 KB of IDAT inflates to 64 MB (a zip bomb inside a 100×100 header) stops inflating at its last row', () => {
    // Pillow decodes it: the rows are all there, and what follows the last row is never inflated.
    const png = pngFile([ihdr(100, 100, 8, 2, 1), ['IDAT', deflateSync(Buffer.alloc(64 << 20))], ['IEND', []]]);
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const img = decodeImage(png, 'bomb.png');
    expect([img.width, img.height, img.data.every((v) => v === 0)]).toEqual([100, 100, true]);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect((process.memoryUsage().rss - rss0) / 2 ** 20).toBeLessThan(32);
  });

  it('E_IMAGE_TOO_LARGE is an input error (exit 3)', async () => {
    const { ERROR_CODES, EXIT_CODES } = await import('@vggscope/core');
    expect(EXIT_CODES[ERROR_CODES.E_IMAGE_TOO_LARGE]).toBe(3);
  });

  it("the default limit is Pillow's: refuse above 2 × 89,478,485, warn above 89,478,485", () => {
    expect(PILLOW_WARN_PIXELS).toBe(89_478_485);
    expect(DEFAULT_MAX_PIXELS).toBe(178_956_970);
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      // 10,000 × 9,000 = 90 M pixels: warned, then the empty PNG fails to decode.
      expect(() => decodeImage(pngHeader(10_000, 9_000), 'big.png')).toThrow(/corrupt or unsupported PNG/); // bad CRC
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining("exceeds Pillow's limit of 89478485"),
        'DecompressionBombWarning',
      );
      warn.mockClear();
      expect(() => decodeImage(pngHeader(1000, 1000), 'small.png')).toThrow(/corrupt or unsupported PNG/);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('maxPixels lowers or raises the limit', async () => {
    const small = pngHeader(100, 100);
    expect(() => decodeImage(small, 's.png', { maxPixels: 9_999 })).toThrow(
      expect.objectContaining({ code: 'E_IMAGE_TOO_LARGE' }),
    );
    expect(() => decodeImage(pngHeader(20_000, 10_000), 'b.png', { maxPixels: 3e8 })).toThrow(
      expect.objectContaining({ code: 'E_IMAGE_DECODE' }),
    );
    await expect(loadImg(small, { maxPixels: 9_999 })).rejects.toMatchObject({ code: 'E_IMAGE_TOO_LARGE' });
  });
});

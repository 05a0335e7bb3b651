import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { FIXTURES, NO_FIXTURES_REASON, fixture } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { isVggError } from '../errors.js';
import { decodeImage, type RgbImage } from './decode-image.js';
import { loadImg } from './load-image.js';

const sha16 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex').slice(0, 16);
const decodeFixture = (name: string) => decodeImage(readFileSync(fixture('images', name)), name);
const meanAbsDiff = (a: RgbImage, b: RgbImage) => a.data.reduce((s, v, i) => s + Math.abs(v - b.data[i]!), 0) / a.data.length;
const channelMeans = (img: RgbImage) => [0, 1, 2].map((c) => img.data.filter((_, i) => i % 3 === c).reduce((s, v) => s + v, 0) / (img.width * img.height));

// Golden values from Pillow 9.4 (Debian python3-pil), the library Keras' load_img uses:
// sha256(Image.open(f).convert('RGB').resize((224, 224), Image.NEAREST).tobytes())[:16]
const PILLOW_LOAD_IMG_224: Record<string, [mode: string, size: [number, number], sha: string]> = {
  'astronaut.png': ['RGB', [512, 512], 'caf886854926e3ee'],
  'camera.png': ['L', [512, 512], 'e238c22788728726'],
  'camera_adam7.png': ['L, Adam7', [512, 512], 'e238c22788728726'],
  'chelsea.png': ['RGB', [451, 300], '45bef609c9e71675'],
  'chelsea_16bit.png': ['RGB 16-bit', [451, 300], '45bef609c9e71675'],
  'coffee.png': ['RGB', [600, 400], '5f6262eccbd03967'],
  'logo.png': ['RGBA', [500, 500], 'ef635ba9af586519'],
};
// Pillow's per-channel RGB means of the full decoded JPEGs (libjpeg-turbo); jpeg-js' IDCT and
// chroma upsampling differ slightly, so JPEGs are held to ±0.6 of these, not bit-exactness.
const PILLOW_JPEG_MEANS: Record<string, [size: [number, number], means: number[], original?: string, maxMeanAbs?: number]> = {
  'astronaut_cmyk.jpg': [[512, 512], [141.02, 105.77, 96.358], 'astronaut.png', 2.5],
  'camera_gray.jpg': [[512, 512], [129.062, 129.062, 129.062], 'camera.png', 2.0],
  'coffee_progressive.jpg': [[600, 400], [158.559, 85.805, 51.514], 'coffee.png', 3.0],
  'rocket.jpg': [[640, 427], [52.266, 61.294, 82.271]],
};

describe.skipIf(!FIXTURES)(`decodeImage on every fixture type${FIXTURES ? '' : ` (skipped: ${NO_FIXTURES_REASON})`}`, () => {
  it.each(Object.entries(PILLOW_LOAD_IMG_224))('%s (%s): load_img 224×224 is byte-identical to Pillow', async (name, [, size, sha]) => {
    const full = decodeFixture(name);
    expect([full.width, full.height]).toEqual(size);
    const img = await loadImg(fixture('images', name), [224, 224]);
    expect([img.width, img.height, img.data.length]).toEqual([224, 224, 224 * 224 * 3]);
    expect(sha16(img.data)).toBe(sha);
  });

  it.each(Object.entries(PILLOW_JPEG_MEANS))('%s: size and colour match Pillow', (name, [size, means, original, maxMeanAbs]) => {
    const img = decodeFixture(name);
    expect([img.width, img.height]).toEqual(size);
    channelMeans(img).forEach((m, c) => expect(Math.abs(m - means[c]!)).toBeLessThan(0.6));
    if (original) expect(meanAbsDiff(img, decodeFixture(original))).toBeLessThan(maxMeanAbs!);
  });

  it('CMYK (Adobe YCCK) is inverted correctly: close to the RGB original, far from the un-inverted result', () => {
    const cmyk = decodeFixture('astronaut_cmyk.jpg');
    const rgb = decodeFixture('astronaut.png');
    expect(meanAbsDiff(cmyk, rgb)).toBeLessThan(2.5); // a decoder that skips the inversion lands near 121
  });

});

describe('decodeImage on synthetic PNGs (Pillow convert("RGB") rules, checked against Pillow 9.4)', () => {
  const encode = (width: number, data: number[], colorType: 0 | 2 | 4 | 6, bitDepth: 8 | 16) => {
    const png = new PNG({ width, height: 1, colorType, inputColorType: colorType, bitDepth, inputHasAlpha: colorType >= 4 });
    (png as unknown as { data: unknown }).data = bitDepth === 16 ? Buffer.from(new Uint16Array(data).buffer) : Buffer.from(data);
    return new Uint8Array(PNG.sync.write(png, { colorType, inputColorType: colorType, bitDepth, inputHasAlpha: colorType >= 4 }));
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

describe('decodeImage errors', () => {
  it.each([
    ['GIF bytes', new TextEncoder().encode('GIF89a....'), /not a PNG or JPEG file \(first bytes 47 49 46 38\)/],
    ['empty file', new Uint8Array(0), /\(empty file\)/],
    ['truncated PNG', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]), /corrupt or unsupported PNG/],
    ['truncated JPEG', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]), /corrupt or unsupported JPEG/],
  ])('%s → E_IMAGE_DECODE naming the file', (_, bytes, msg) => {
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
    await expect(loadImg('/nonexistent/cat.png')).rejects.toMatchObject({ code: 'E_IMAGE_READ', message: expect.stringContaining("'/nonexistent/cat.png'") });
  });
});

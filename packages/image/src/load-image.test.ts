import { describe, expect, it } from 'vitest';
import { isVggError } from '@vggscope/core';
import { aspectCropBox, loadImg, loadImgFromBytes, loadInput } from './load-image.js';
import { resample } from './resample.js';
import { pngHeader } from './testdata/crafted-headers.js';
import { PNG } from 'pngjs';

/** A w×h RGB PNG whose pixel (x, y) is (x, y, x + y). */
function gradientPng(w: number, h: number): Uint8Array {
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) png.data.set([x, y, x + y, 255], (y * w + x) * 4);
  return new Uint8Array(PNG.sync.write(png));
}

describe('aspectCropBox (Keras keep_aspect_ratio, integer arithmetic)', () => {
  it.each([
    // w, h, tw, th → box; worked by hand from keras' load_img
    [451, 300, 224, 224, [75, 0, 375, 300]], // crop_w = 300·224//224 = 300, left = (451−300)//2 = 75
    [300, 451, 224, 224, [0, 75, 300, 375]],
    [640, 427, 224, 224, [106, 0, 533, 427]], // crop_w 427, left 213//2 = 106
    [100, 100, 50, 100, [25, 0, 75, 100]], // target is portrait 1:2
    [7, 5, 3, 3, [1, 0, 6, 5]],
  ] as const)('%i×%i → %i×%i: %j', (w, h, tw, th, box) => {
    expect(aspectCropBox(w, h, tw, th)).toEqual(box);
  });
});

describe('resample on hand-worked cases (Pillow fixed point: ½ added, >> 22)', () => {
  const row = (vals: number[]) => ({
    width: vals.length,
    height: 1,
    channels: 1 as const,
    data: Uint8Array.from(vals),
  });
  it('box 4→2 averages pairs, rounding half up: [10,20,30,41] → [15,36]', () => {
    expect([...resample(row([10, 20, 30, 41]), 2, 1, 'box').data]).toEqual([15, 36]);
  });
  it('bilinear 2→4 interpolates at centres 0.25, 0.75 …: [0,100] → [0,25,75,100]', () => {
    expect([...resample(row([0, 100]), 4, 1, 'bilinear').data]).toEqual([0, 25, 75, 100]);
  });
  it('bicubic overshoot is clipped to 0…255: a 0/255 step rings beyond the range', () => {
    const out = [...resample(row([0, 0, 255, 255]), 8, 1, 'bicubic').data];
    expect(Math.min(...out)).toBe(0);
    expect(Math.max(...out)).toBe(255);
  });
  it('a constant image stays constant under every filter (weights sum to 1 in fixed point)', () => {
    for (const f of ['box', 'bilinear', 'hamming', 'bicubic', 'lanczos'] as const) {
      const img = { width: 13, height: 7, channels: 3 as const, data: new Uint8Array(13 * 7 * 3).fill(77) };
      expect(new Set(resample(img, 5, 11, f).data)).toEqual(new Set([77]));
    }
  });
});

describe('loadImg options', () => {
  const png = gradientPng(8, 4);

  it('the old call loadImg(path, [h, w]) and the options object agree; bytes work like paths', async () => {
    const a = loadImgFromBytes(png, 'g.png', { targetSize: [2, 4] });
    const b = await loadImg(png, [2, 4]);
    expect([b.width, b.height, b.channels]).toEqual([4, 2, 3]);
    expect([...b.data]).toEqual([...a.data]);
  });

  it('targetSize null keeps the size; NEAREST squash by default picks centres', async () => {
    expect((await loadImg(png, { targetSize: null })).width).toBe(8);
    const img = await loadImg(png, { targetSize: [1, 2] }); // x centres 2, 6; y centre 2
    expect([...img.data]).toEqual([2, 2, 4, 6, 2, 8]);
  });

  it('keepAspectRatio crops the centre: 8×4 → 2×2 reads the middle 4×4', async () => {
    const img = await loadImg(png, { targetSize: [2, 2], keepAspectRatio: true }); // box [2,0,6,4]: x 3, 5; y 1, 3
    expect([...img.data]).toEqual([3, 1, 4, 5, 1, 6, 3, 3, 6, 5, 3, 8]);
  });

  it("grayscale is one channel with Pillow's L formula; loadInput replicates it to BGR", async () => {
    const img = await loadImg(png, { targetSize: null, colorMode: 'grayscale' });
    expect(img.channels).toBe(1);
    expect(img.data.length).toBe(32);
    // pixel (7, 3) = RGB (7, 3, 10): (7·19595 + 3·38470 + 10·7471 + 32768) >> 16 = 5
    expect(img.data[3 * 8 + 7]).toBe(5);
    const x = await loadInput(png, [4, 8], { colorMode: 'grayscale' });
    expect(x.shape).toEqual([1, 4, 8, 3]);
    expect(x.data[(3 * 8 + 7) * 3]! + 103.939).toBeCloseTo(5, 4);
    expect(x.data[(3 * 8 + 7) * 3 + 2]! + 123.68).toBeCloseTo(5, 4);
  });

  it.each([
    [
      { interpolation: 'cubic' },
      /unknown interpolation 'cubic' \(valid: nearest, bilinear, bicubic, lanczos, box, hamming\)/,
    ],
    [{ colorMode: 'rgba' }, /unknown colorMode 'rgba' \(valid: rgb, grayscale\)/],
    [{ targetSize: [0, 224] }, /targetSize must be \[height, width\] with positive integers, got \[0,224\]/],
    [{ maxPixels: 0 }, /maxPixels must be a positive number, got 0/],
  ])('%j → E_USAGE naming the option and the valid values', async (opts, msg) => {
    const err = await loadImg(png, opts as never).catch((e: unknown) => e);
    expect(isVggError(err, 'E_USAGE')).toBe(true);
    expect((err as Error).message).toMatch(msg);
  });

  it('maxPixels is applied before decoding', async () => {
    await expect(loadImg(pngHeader(5000, 5000), { maxPixels: 1e6 })).rejects.toMatchObject({
      code: 'E_IMAGE_TOO_LARGE',
    });
  });
});

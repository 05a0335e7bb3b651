import { describe, expect, it } from 'vitest';
import type { RgbaImage } from './canvas.js';
import { GUTTER_COLOR, renderFilterGrid } from './filter-grid.js';

const px = (img: RgbaImage, x: number, y: number) => [
  ...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4),
];

describe('renderFilterGrid', () => {
  // kernel [3,3,1,2]: filter 0 is a ramp −1…1 across x, filter 1 is all 0; layer range −1…1.
  const data = new Float32Array(18);
  for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) data[(y * 3 + x) * 2] = x - 1;
  const kernel = { data, shape: [3, 3, 1, 2] };

  it('w=[3,3,1,2] cell=3 gutter=1: layer-range normalisation, exact gray levels and positions', () => {
    const img = renderFilterGrid(kernel, { count: 2, channels: 1, cell: 3, gutter: 1 });
    expect([img.width, img.height]).toEqual([5, 9]); // 1 col × 3 px + 2 gutters; 2 rows × 3 px + 3 gutters
    expect([0, 1, 2].map((x) => px(img, 1 + x, 1))).toEqual([
      [0, 0, 0, 255],
      [128, 128, 128, 255],
      [255, 255, 255, 255],
    ]);
    expect(px(img, 2, 5 + 1)).toEqual([128, 128, 128, 255]); // filter 1 (all 0) is mid-gray on the layer's scale
    expect(px(img, 0, 0)).toEqual([...GUTTER_COLOR, 255]);
    expect(px(img, 1, 4)).toEqual([...GUTTER_COLOR, 255]); // gutter between the rows
  });

  it('each kernel element becomes round(cell/3) px', () => {
    const img = renderFilterGrid(kernel, { count: 1, channels: 1, cell: 30, gutter: 2 });
    expect([img.width, img.height]).toEqual([34, 34]);
    expect(px(img, 2 + 9, 2)).toEqual([0, 0, 0, 255]);
    expect(px(img, 2 + 10, 2)).toEqual([128, 128, 128, 255]);
  });

  it('6 filters × 3 channels of a [3,3,3,64] layer at cell 48: 152×302', () => {
    const img = renderFilterGrid(
      { data: Float32Array.from({ length: 1728 }, (_, i) => Math.sin(i)), shape: [3, 3, 3, 64] },
      { cell: 48 },
    );
    expect([img.width, img.height]).toEqual([3 * 48 + 4 * 2, 6 * 48 + 7 * 2]);
  });

  it('rgb mode composes BGR input channels as R=ch2, G=ch1, B=ch0', () => {
    // kernel [1,1,3,1]: ch0 (B) = −1 (min), ch1 (G) = 0, ch2 (R) = 1 (max)
    const img = renderFilterGrid(
      { data: Float32Array.from([-1, 0, 1]), shape: [1, 1, 3, 1] },
      { count: 1, mode: 'rgb', cell: 2, gutter: 1 },
    );
    expect(px(img, 1, 1)).toEqual([255, 128, 0, 255]);
  });

  it('rejects NaN/Inf, and counts beyond the layer, with clear errors', () => {
    const bad = Float32Array.from(data);
    bad[4] = NaN;
    expect(() => renderFilterGrid({ data: bad, shape: [3, 3, 1, 2] }, { count: 1, channels: 1 })).toThrow(
      /value NaN at flat index 4/,
    );
    bad[4] = Infinity;
    expect(() => renderFilterGrid({ data: bad, shape: [3, 3, 1, 2] }, { count: 1, channels: 1 })).toThrow(
      /value Infinity/,
    );
    expect(() => renderFilterGrid(kernel, { count: 3, channels: 1 })).toThrow(
      /count must be 1…2 \(this layer has 2 filters\), got 3/,
    );
    expect(() => renderFilterGrid(kernel, { count: 1, channels: 2 })).toThrow(/channels must be 1…1/);
  });

  it('a constant layer renders black, not NaN', () => {
    const img = renderFilterGrid(
      { data: new Float32Array(9).fill(0.3), shape: [3, 3, 1, 1] },
      { count: 1, channels: 1, cell: 3, gutter: 0 },
    );
    expect(px(img, 1, 1)).toEqual([0, 0, 0, 255]);
  });
});

import { describe, expect, it } from 'vitest';
import { jet, viridis } from './colormap.js';
import { renderHeatmapOverlay, rgbToRgba } from './overlay.js';

const photo = (w: number, h: number, v = 100) => ({ width: w, height: h, data: new Uint8Array(w * h * 3).fill(v) });
const px = (img: { width: number; data: Uint8ClampedArray }, x: number, y: number) => [
  ...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3),
];

describe('jet', () => {
  it('matplotlib jet at its knots: dark blue, cyan-ish, yellow-ish, dark red', () => {
    expect(jet(0)).toEqual([0, 0, 128]);
    expect(jet(0.5)).toEqual([128, 255, 128]);
    expect(jet(1)).toEqual([128, 0, 0]);
    expect(jet(0.25)).toEqual([0, 128, 255]);
    expect(jet(-1)).toEqual(jet(0));
  });
});

describe('renderHeatmapOverlay', () => {
  it('heatmap [2,2] on a 4×3 photo: photo size, (1−α)·photo + α·colour, 0 → bottom colour, max → top', () => {
    const img = renderHeatmapOverlay(
      photo(4, 3),
      { data: Float32Array.from([0, 0, 0, 2]), shape: [2, 2] },
      { alpha: 0.5 },
    );
    expect([img.width, img.height]).toEqual([4, 3]);
    expect(px(img, 0, 0)).toEqual([50, 50, 114]); // jet(0) = [0, 0, 128] blended with 100
    expect(px(img, 3, 2)).toEqual([114, 50, 50]); // jet(1) = [128, 0, 0]
  });

  it('alpha 0 is the photo, viridis on request, an all-zero heatmap stays the bottom colour', () => {
    expect(
      px(
        renderHeatmapOverlay(photo(2, 2, 77), { data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2] }, { alpha: 0 }),
        1,
        1,
      ),
    ).toEqual([77, 77, 77]);
    const v = renderHeatmapOverlay(
      photo(2, 2, 0),
      { data: new Float32Array(4), shape: [2, 2] },
      { alpha: 1, colormap: 'viridis' },
    );
    expect(px(v, 1, 1)).toEqual([...viridis(0)]);
  });

  it('rejects a non-2-D heatmap, NaN and an alpha outside 0…1', () => {
    expect(() => renderHeatmapOverlay(photo(2, 2), { data: new Float32Array(4), shape: [1, 2, 2] })).toThrow(
      /heatmap must be \[h, w\]/,
    );
    expect(() => renderHeatmapOverlay(photo(2, 2), { data: Float32Array.from([NaN, 0, 0, 0]), shape: [2, 2] })).toThrow(
      /NaN/,
    );
    expect(() => renderHeatmapOverlay(photo(2, 2), { data: new Float32Array(4), shape: [2, 2] }, { alpha: 2 })).toThrow(
      /alpha must be 0…1/,
    );
  });

  it('rgbToRgba keeps the pixels', () => {
    expect(px(rgbToRgba({ width: 1, height: 1, data: Uint8Array.from([1, 2, 3]) }), 0, 0)).toEqual([1, 2, 3]);
  });
});

import { describe, expect, it } from 'vitest';
import type { RgbaImage } from './canvas.js';
import { viridis } from './colormap.js';
import { gridFor, renderFeatureMapGrid } from './feature-map-grid.js';
import { GUTTER_COLOR } from './filter-grid.js';

const px = (img: RgbaImage, x: number, y: number) => [
  ...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3),
];
const gray = (v: number) => [v, v, v];

/** [1,2,2,3] maps in NHWC: map0 = 0,1,2,3; map1 = constant 7; map2 = −4,−2,0,−1. */
function maps() {
  const m0 = [0, 1, 2, 3];
  const m2 = [-4, -2, 0, -1];
  const data = new Float32Array(12);
  for (let p = 0; p < 4; p++) data.set([m0[p]!, 7, m2[p]!], p * 3);
  return { data, shape: [1, 2, 2, 3] };
}

describe('renderFeatureMapGrid', () => {
  it('x=[1,2,2,3] grid 1×3, cell 4 (×2 upscale), gutter 1: each map on its own scale', () => {
    const img = renderFeatureMapGrid(maps(), { rows: 1, cols: 3, cell: 4, gutter: 1 });
    expect([img.width, img.height]).toEqual([3 * 4 + 4, 4 + 2]);
    // map 0, pixel (x=1,y=0) = 1 → 85, drawn as a 2×2 block at x 3..4, y 1..2
    expect([px(img, 1, 1), px(img, 3, 1), px(img, 4, 2), px(img, 1, 3), px(img, 3, 4)]).toEqual([
      gray(0),
      gray(85),
      gray(85),
      gray(170),
      gray(255),
    ]);
    // map 1 is constant → black; map 2 (negative values) normalised on its own range −4…0
    expect(px(img, 6, 1)).toEqual(gray(0));
    expect([px(img, 11, 1), px(img, 13, 1), px(img, 11, 3), px(img, 13, 3)]).toEqual([
      gray(0),
      gray(128),
      gray(255),
      gray(191),
    ]);
    expect(px(img, 5, 1)).toEqual([...GUTTER_COLOR]);
  });

  it('shared scale puts every map on one range (−4…7)', () => {
    const img = renderFeatureMapGrid(maps(), { rows: 1, cols: 3, cell: 2, gutter: 0, scale: 'shared' });
    expect(px(img, 0, 0)).toEqual(gray(Math.round((4 / 11) * 255)));
    expect(px(img, 2, 0)).toEqual(gray(255));
    expect(px(img, 4, 0)).toEqual(gray(0));
  });

  it('viridis colormap endpoints and middle match matplotlib (68,1,84) (33,145,140) (253,231,37) within 4', () => {
    for (const [t, rgb] of [
      [0, [68, 1, 84]],
      [0.5, [33, 145, 140]],
      [1, [253, 231, 37]],
    ] as const) {
      viridis(t).forEach((v, i) => expect(Math.abs(v - rgb[i]!)).toBeLessThanOrEqual(4));
    }
    const img = renderFeatureMapGrid(maps(), { rows: 1, cols: 3, cell: 2, gutter: 0, colormap: 'viridis' });
    expect(px(img, 1, 1)).toEqual([...viridis(1)]);
  });

  it('64 maps of 224×224 in 8×8 with gutter 2 → 1810×1810; 14×14 maps upscale ×8 → 914×914', () => {
    const big = renderFeatureMapGrid({ data: new Float32Array(224 * 224 * 64), shape: [1, 224, 224, 64] });
    expect([big.width, big.height]).toEqual([1810, 1810]);
    const small = renderFeatureMapGrid({ data: new Float32Array(14 * 14 * 512), shape: [1, 14, 14, 512] });
    expect([small.width, small.height]).toEqual([8 * 112 + 18, 8 * 112 + 18]);
  });

  it('without a grid, the grid is sized from the count (keract): 64 → 8×8, 10 → 3×4, 3 → 2×2, 1 → 1×1', () => {
    expect([64, 10, 3, 1, 512].map((n) => gridFor(n))).toEqual([
      { rows: 8, cols: 8 },
      { rows: 3, cols: 4 },
      { rows: 2, cols: 2 },
      { rows: 1, cols: 1 },
      { rows: 23, cols: 23 },
    ]);
    const ten = renderFeatureMapGrid({ data: new Float32Array(14 * 14 * 512), shape: [1, 14, 14, 512] }, { count: 10 });
    expect([ten.width, ten.height]).toEqual([4 * 112 + 5 * 2, 3 * 112 + 4 * 2]);
  });

  it('errors: NaN, too many maps for the grid, batch > 1', () => {
    const m = maps();
    m.data[5] = NaN;
    expect(() => renderFeatureMapGrid(m)).toThrow(/NaN/);
    expect(() => renderFeatureMapGrid(maps(), { rows: 1, cols: 2, count: 3 })).toThrow(/3 maps do not fit a 1×2 grid/);
    expect(() => renderFeatureMapGrid({ data: new Float32Array(24), shape: [2, 2, 2, 3] })).toThrow(/one image's maps/);
  });
});

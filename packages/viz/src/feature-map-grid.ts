import { type FloatTensor, VggError } from '@vggscope/core';
import { blitScaled, cellOrigin, createImage, gridSize, type Rgb, type RgbaImage } from './canvas.js';
import { COLORMAP_NAMES, COLORMAPS, type ColormapName } from './colormap.js';
import { GUTTER_COLOR } from './filter-grid.js';
import { assertFinite, toUnit, valueRange } from './normalize.js';

const LIGHT_GUTTER: Rgb = [235, 235, 235];

export interface FeatureMapGridOptions {
  /** Grid rows and columns; default {@link gridFor} the maps shown (as keract sizes its grids). */
  rows?: number;
  cols?: number;
  /** Maps shown, first channels first; default rows × cols, or 64 without a grid (or all channels if fewer). */
  count?: number;
  /** Maps are upscaled by a whole factor until a cell is at least this wide; default 112 px. */
  cell?: number;
  gutter?: number;
  colormap?: ColormapName;
  /** 'each' (default): every map min/max-normalised on its own; 'shared': one range for all shown. */
  scale?: 'each' | 'shared';
  background?: Rgb;
}

/**
 * The classic feature-map figure: the first maps of an activation `[1, H, W, C]` (or `[H, W, C]`)
 * in a rows × cols grid, upscaled with nearest-neighbour, gutters between cells.
 * @example renderFeatureMapGrid(block1_conv1 /* [1,224,224,64] *\/).width // 8 * 224 + 9 * 2 = 1810
 */
export function renderFeatureMapGrid(maps: FloatTensor, options: FeatureMapGridOptions = {}): RgbaImage {
  const shape = maps.shape.length === 4 ? maps.shape.slice(1) : maps.shape;
  if (shape.length !== 3 || (maps.shape.length === 4 && maps.shape[0] !== 1)) {
    throw new VggError(
      'E_INPUT_SHAPE',
      `renderFeatureMapGrid: expects one image's maps [1, H, W, C] or [H, W, C], got [${maps.shape.join(', ')}]`,
    );
  }
  const [h, w, c] = shape as [number, number, number];
  const gridGiven = options.rows !== undefined && options.cols !== undefined;
  const count = Math.min(options.count ?? (gridGiven ? options.rows! * options.cols! : 64), c);
  const { rows, cols } = gridGiven ? { rows: options.rows!, cols: options.cols! } : gridFor(count);
  if (count > rows * cols)
    throw new VggError(
      'E_USAGE',
      `renderFeatureMapGrid: ${count} maps do not fit a ${rows}×${cols} grid; use a larger --grid or a smaller --count`,
    );
  if (count < 1) throw new VggError('E_USAGE', `renderFeatureMapGrid: count must be at least 1, got ${count}`);
  assertFinite(maps.data, 'renderFeatureMapGrid activation');
  const colormap = COLORMAPS[options.colormap ?? 'gray'];
  if (!colormap)
    throw new VggError(
      'E_USAGE',
      `renderFeatureMapGrid: unknown colormap '${options.colormap}'; use ${COLORMAP_NAMES.join(', ')}`,
    );
  const scale = Math.max(1, Math.floor((options.cell ?? 112) / Math.max(h, w)));
  const gutter = options.gutter ?? 2;
  const size = gridSize(cols, rows, w * scale, h * scale, gutter);
  // viridis starts dark purple, which hides the blue-gray gutter; light gutters separate its cells.
  const img = createImage(
    size.width,
    size.height,
    options.background ?? (options.colormap === 'viridis' ? LIGHT_GUTTER : GUTTER_COLOR),
  );

  const rangeOf = (k: number) => {
    let min = Infinity;
    let max = -Infinity;
    for (let p = 0; p < h * w; p++) {
      const v = maps.data[p * c + k]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return { min, max };
  };
  const shared = options.scale === 'shared' ? sharedRange(maps.data, c, count) : undefined;
  for (let k = 0; k < count; k++) {
    const { min, max } = shared ?? rangeOf(k);
    const [x0, y0] = cellOrigin(k % cols, Math.floor(k / cols), w * scale, h * scale, gutter);
    blitScaled(img, x0, y0, w, h, scale, (x, y) => colormap(toUnit(maps.data[(y * w + x) * c + k]!, min, max)));
  }
  return img;
}

/**
 * The grid for `count` maps: as square as possible, no empty row (keract's layout): 64 → 8×8,
 * 10 → 3×4, 3 → 2×2, 1 → 1×1.
 */
export function gridFor(count: number): { rows: number; cols: number } {
  const cols = Math.max(1, Math.ceil(Math.sqrt(count)));
  return { rows: Math.max(1, Math.ceil(count / cols)), cols };
}

function sharedRange(data: Float32Array, c: number, count: number): { min: number; max: number } {
  if (count === c) return valueRange(data);
  let min = Infinity;
  let max = -Infinity;
  for (let p = 0; p < data.length; p += c) {
    for (let k = 0; k < count; k++) {
      const v = data[p + k]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { min, max };
}

import { type FloatTensor, VggError } from '@vggscope/core';
import { blitScaled, cellOrigin, createImage, gridSize, type Rgb, type RgbaImage } from './canvas.js';
import { gray } from './colormap.js';
import type { Tick } from './png.js';
import { assertFinite, toUnit, valueRange } from './normalize.js';

export interface FilterGridOptions {
  /** First N filters (output channels); default 6. */
  count?: number;
  /** Input channels shown per filter, one column each; default 3. */
  channels?: number;
  /** Target cell size in px; each kernel element becomes round(cell / 3) px. Default 96 (a 6×3 grid ≈ 300 px wide). */
  cell?: number;
  gutter?: number;
  /** 'channels' (default): one gray cell per (filter, channel). 'rgb': one colour cell per filter. */
  mode?: 'channels' | 'rgb';
  background?: Rgb;
}

export const GUTTER_COLOR: Rgb = [52, 78, 120];
const DEFAULT_CELL = 96;
/** VGG's input is BGR (caffe preprocessing): input channel 0 is blue. */
const INPUT_CHANNELS = ['B', 'G', 'R'];

/**
 * The classic filter figure: the first N filters of a conv layer, one row per filter, one column
 * per input channel, every 3×3 kernel normalised to 0..1 over the whole layer's min/max (dark =
 * small/inhibitory, light = large/excitatory). In 'rgb' mode the first three input channels are
 * composed into one colour cell; VGG's input is BGR (caffe), so channel 2 is shown as red.
 * @example renderFilterGrid(kernel /* [3,3,3,64] *\/).width // 3 * 33 + 4 * 2 = 107
 */
export function renderFilterGrid(kernel: FloatTensor, options: FilterGridOptions = {}): RgbaImage {
  const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
  if (kernel.shape.length !== 4)
    throw new VggError(
      'E_INPUT_SHAPE',
      `renderFilterGrid: kernel must be [kh, kw, in, out], got [${kernel.shape.join(', ')}]`,
    );
  const mode = options.mode ?? 'channels';
  const count = options.count ?? 6;
  const channels = mode === 'rgb' ? 3 : (options.channels ?? 3);
  if (count < 1 || count > cout)
    throw new VggError(
      'E_USAGE',
      `renderFilterGrid: count must be 1…${cout} (this layer has ${cout} filters), got ${count}`,
    );
  if (channels < 1 || channels > cin)
    throw new VggError(
      'E_USAGE',
      `renderFilterGrid: channels must be 1…${cin} (this layer has ${cin} input channels), got ${channels}`,
    );
  assertFinite(kernel.data, 'renderFilterGrid kernel');
  const { min, max } = valueRange(kernel.data);
  const px = Math.max(1, Math.round((options.cell ?? DEFAULT_CELL) / Math.max(kh, kw)));
  const gutter = options.gutter ?? 2;
  const at = (y: number, x: number, c: number, f: number) =>
    toUnit(kernel.data[((y * kw + x) * cin + c) * cout + f]!, min, max);

  if (mode === 'rgb') {
    const cols = Math.min(count, 8);
    const rows = Math.ceil(count / cols);
    const size = gridSize(cols, rows, kw * px, kh * px, gutter);
    const img = createImage(size.width, size.height, options.background ?? GUTTER_COLOR);
    for (let f = 0; f < count; f++) {
      const [x0, y0] = cellOrigin(f % cols, Math.floor(f / cols), kw * px, kh * px, gutter);
      blitScaled(img, x0, y0, kw, kh, px, (x, y) => [
        gray(at(y, x, 2, f))[0],
        gray(at(y, x, 1, f))[0],
        gray(at(y, x, 0, f))[0],
      ]);
    }
    return img;
  }
  const size = gridSize(channels, count, kw * px, kh * px, gutter);
  const img = createImage(size.width, size.height, options.background ?? GUTTER_COLOR);
  for (let f = 0; f < count; f++) {
    for (let c = 0; c < channels; c++) {
      const [x0, y0] = cellOrigin(c, f, kw * px, kh * px, gutter);
      blitScaled(img, x0, y0, kw, kh, px, (x, y) => gray(at(y, x, c, f)));
    }
  }
  return img;
}

/**
 * Labels for `renderFilterGrid`'s figure, for `writePng`'s `axes`: the input channel above each
 * column (B, G, R for block1_conv1, numbers deeper in) and the filter index left of each row.
 * @example filterGridAxes([3,3,3,64]).columns.map((t) => t.text) // ['B', 'G', 'R']
 */
export function filterGridAxes(
  shape: readonly number[],
  options: FilterGridOptions = {},
): { columns: Tick[]; rows: Tick[] } {
  const [kh, kw, cin, cout] = shape as [number, number, number, number];
  const px = Math.max(1, Math.round((options.cell ?? DEFAULT_CELL) / Math.max(kh, kw)));
  const gutter = options.gutter ?? 2;
  const count = Math.min(options.count ?? 6, cout);
  const centre = (i: number, size: number) => gutter + i * (size + gutter) + size / 2;
  if (options.mode === 'rgb') {
    const cols = Math.min(count, 8);
    const rows = Math.ceil(count / cols);
    return {
      columns: Array.from({ length: cols }, (_, c) => ({ at: centre(c, kw * px), text: `+${c}` })),
      rows: Array.from({ length: rows }, (_, r) => ({ at: centre(r, kh * px), text: String(r * cols) })),
    };
  }
  const channels = Math.min(options.channels ?? 3, cin);
  return {
    columns: Array.from({ length: channels }, (_, c) => ({
      at: centre(c, kw * px),
      text: cin === 3 ? INPUT_CHANNELS[c]! : String(c),
    })),
    rows: Array.from({ length: count }, (_, f) => ({ at: centre(f, kh * px), text: String(f) })),
  };
}

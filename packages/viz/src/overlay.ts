import { type FloatTensor, upsampleBilinear, VggError } from '@vggscope/core';
import type { RgbImage } from '@vggscope/core';
import type { RgbaImage } from './canvas.js';
import { COLORMAPS, type ColormapName } from './colormap.js';
import { assertFinite, valueRange } from './normalize.js';

export interface OverlayOptions {
  /** Default 'jet' (Keras' Grad-CAM example); 'viridis' survives gray print and colour blindness. */
  colormap?: ColormapName;
  /** Weight of the heatmap colour over the photo; default 0.4, as in Keras' example. */
  alpha?: number;
  /** The value shown at the top of the colormap; default the heatmap's maximum. */
  max?: number;
}

/**
 * A class heatmap `[h, w]` upsampled (bilinear) to the photo's size, divided by its maximum,
 * coloured, and blended over the photo: `(1 − α)·photo + α·colour`.
 * @example renderHeatmapOverlay(photo /* 640×480 *\/, cam.heatmap /* [14,14] *\/).width // 640
 */
export function renderHeatmapOverlay(photo: RgbImage, heatmap: FloatTensor, options: OverlayOptions = {}): RgbaImage {
  if (heatmap.shape.length !== 2)
    throw new VggError(
      'E_INPUT_SHAPE',
      `renderHeatmapOverlay: heatmap must be [h, w], got [${heatmap.shape.join(', ')}]`,
    );
  assertFinite(heatmap.data, 'renderHeatmapOverlay heatmap');
  const alpha = options.alpha ?? 0.4;
  if (!(alpha >= 0 && alpha <= 1))
    throw new VggError('E_USAGE', `renderHeatmapOverlay: alpha must be 0…1, got ${alpha}`);
  const colormap = COLORMAPS[options.colormap ?? 'jet'];
  if (!colormap)
    throw new VggError(
      'E_USAGE',
      `renderHeatmapOverlay: unknown colormap '${options.colormap}'; use jet, viridis or gray`,
    );
  const { width, height } = photo;
  const up = upsampleBilinear(heatmap, height, width).data;
  const max = options.max ?? Math.max(0, valueRange(heatmap.data).max);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const [r, g, b] = colormap(max > 0 ? up[p]! / max : 0);
    data[4 * p] = (1 - alpha) * photo.data[3 * p]! + alpha * r;
    data[4 * p + 1] = (1 - alpha) * photo.data[3 * p + 1]! + alpha * g;
    data[4 * p + 2] = (1 - alpha) * photo.data[3 * p + 2]! + alpha * b;
    data[4 * p + 3] = 255;
  }
  return { width, height, data };
}

/** An RGB photo as an RGBA image (for showing the `load_img` input itself). */
export function rgbToRgba(photo: RgbImage): RgbaImage {
  const data = new Uint8ClampedArray(photo.width * photo.height * 4);
  for (let p = 0; p < photo.width * photo.height; p++)
    data.set([photo.data[3 * p]!, photo.data[3 * p + 1]!, photo.data[3 * p + 2]!, 255], 4 * p);
  return { width: photo.width, height: photo.height, data };
}

import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { type FloatTensor, wrapError } from '@vggscope/core';
import { decodeImage, type RgbImage, resizeNearest } from '@vggscope/image';
import { COLORMAPS, type ColormapName, renderHeatmapOverlay, writePng } from '@vggscope/viz';

/** The longest side of an overlay PNG (and of an upsampled .npy): photos can be 4000 px wide. */
export const MAX_SIDE = 1024;

/** The image as decoded (not squashed to the model's input), its longest side capped for display. */
export async function displayImage(path: string): Promise<RgbImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw wrapError('E_IMAGE_READ', `cannot read image '${path}' (check the path)`, e);
  }
  const img = decodeImage(bytes, path);
  const scale = Math.min(1, MAX_SIDE / Math.max(img.width, img.height));
  return scale < 1 ? resizeNearest(img, Math.round(img.width * scale), Math.round(img.height * scale)) : img;
}

/** File stems of the images; `a/cat.jpg` and `b/cat.png` become `cat-1`, `cat-2` so no file is overwritten. */
export function uniqueStems(images: readonly string[]): string[] {
  const stems = images.map((p) => basename(p, extname(p)));
  const count = new Map<string, number>();
  for (const s of stems) count.set(s, (count.get(s) ?? 0) + 1);
  const seen = new Map<string, number>();
  return stems.map((s) => {
    if (count.get(s) === 1) return s;
    const n = (seen.get(s) ?? 0) + 1;
    seen.set(s, n);
    return `${s}-${n}`;
  });
}

export interface OverlayStyle {
  readonly colormap: ColormapName;
  readonly alpha: number;
}

/**
 * A `[h, w]` map over the photo (bilinear, colour bar from 0 to `max`), written atomically.
 * @example await writeOverlay('out/cat_grad-cam.png', photo, cam.heatmap, style, 'Grad-CAM …') // { width: 451, … }
 */
export async function writeOverlay(
  path: string,
  photo: RgbImage,
  map: FloatTensor,
  style: OverlayStyle & { max: number; title: string; highLabel?: string },
): Promise<{ width: number; height: number }> {
  const max = style.max;
  return writePng(path, renderHeatmapOverlay(photo, map, { colormap: style.colormap, alpha: style.alpha, max }), {
    title: style.title,
    colorbar: {
      colormap: COLORMAPS[style.colormap],
      low: '0',
      high: style.highLabel ?? (max > 0 ? max.toPrecision(3) : '0'),
    },
  });
}

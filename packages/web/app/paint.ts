// Between the page's canvases and @vggscope/viz's renderers (arrays in, RGBA pixels out): the page
// draws the pictures the CLI writes as PNG, with the same code.
import type { RgbImage } from '@vggscope/core';
import type { RgbaImage } from '@vggscope/viz/render';
import { $ } from './dom.js';

/** Puts a rendered image on a canvas, at its own size (CSS scales it). */
export function paint(canvas: HTMLCanvasElement, img: RgbaImage): void {
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
}

/** The chosen photo (the preview element) at `width`×`height`, as RGB pixels for an overlay. */
export function previewPixels(width: number, height: number): RgbImage {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage($('preview') as HTMLImageElement, 0, 0, width, height);
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) data.set(rgba.subarray(4 * p, 4 * p + 3), 3 * p);
  return { width, height, data };
}

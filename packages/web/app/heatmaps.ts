// The explorer's heatmaps over the image: Grad-CAM and the saliency map.
import type { FromEngine } from './protocol.js';
import { $ } from './dom.js';

/** The Grad-CAM heatmap (scaled to its max, as Keras' example) over the image, or a note when there is none. */
export function drawCam(cam: Extract<FromEngine, { type: 'result' }>['gradCam']): void {
  const canvas = $('cam') as HTMLCanvasElement;
  $('cam-note').textContent = cam ? `${cam.label} (${cam.layer})` : 'needs weights with the classifier (include-top)';
  if (!cam) return void (canvas.width = canvas.height = 0);
  const preview = $('preview') as HTMLImageElement;
  canvas.width = 224;
  canvas.height = 224;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(preview, 0, 0, 224, 224);
  const [h, w] = cam.shape as [number, number];
  const max = Math.max(...cam.heatmap) || 1;
  const tile = new OffscreenCanvas(w, h);
  const img = tile.getContext('2d')!.createImageData(w, h);
  cam.heatmap.forEach((v, i) =>
    img.data.set([255, Math.round(255 * (1 - v / max)), 0, Math.round(160 * (v / max))], i * 4),
  );
  tile.getContext('2d')!.putImageData(img, 0, 0);
  ctx.drawImage(tile, 0, 0, 224, 224);
}

/**
 * The saliency map (scaled to its max) in red over the image, opaque where the gradient is large:
 * the pixels that move the objective most.
 */
export function drawSaliency(
  map: Float32Array,
  shape: number[],
  objective: Extract<FromEngine, { type: 'saliency' }>['objective'],
): void {
  const canvas = $('saliency') as HTMLCanvasElement;
  $('saliency-note').textContent =
    objective.kind === 'class'
      ? `vanilla gradients of the top-1 class score: ${objective.label}`
      : `vanilla gradients of ${objective.layer} filter ${objective.filter}, its most active filter on this image (no classifier in these weights, so no class score)`;
  const [h, w] = shape as [number, number];
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage($('preview') as HTMLImageElement, 0, 0, w, h);
  let max = 0;
  for (const v of map) max = Math.max(max, v);
  const tile = new OffscreenCanvas(w, h);
  const img = tile.getContext('2d')!.createImageData(w, h);
  map.forEach((v, i) => img.data.set([255, 0, 0, Math.round(255 * Math.min(1, (3 * v) / (max || 1)))], i * 4));
  tile.getContext('2d')!.putImageData(img, 0, 0);
  ctx.drawImage(tile, 0, 0);
}

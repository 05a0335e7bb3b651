// The explorer's heatmaps over the image: Grad-CAM and the saliency map, drawn by @vggscope/viz's
// overlay as `vggscope cam` and `vggscope saliency` draw them.
import { quantile, renderHeatmapOverlay } from '@vggscope/viz/render';
import type { FromEngine } from './protocol.js';
import { $ } from './dom.js';
import { paint, previewPixels } from './paint.js';

/** The network's view of the photo (224×224, as load_img squashes it) under the overlays. */
const VIEW = 224;

/** The Grad-CAM heatmap (jet, scaled to its max, α 0.4: Keras' example) over the image, or a note when there is none. */
export function drawCam(cam: Extract<FromEngine, { type: 'result' }>['gradCam']): void {
  const canvas = $('cam') as HTMLCanvasElement;
  $('cam-note').textContent = cam ? `${cam.label} (${cam.layer})` : 'needs weights with the classifier (include-top)';
  if (!cam) return void (canvas.width = canvas.height = 0);
  const heatmap = { data: Float32Array.from(cam.heatmap), shape: [...cam.shape] };
  paint(canvas, renderHeatmapOverlay(previewPixels(VIEW, VIEW), heatmap));
}

/**
 * The saliency map (max over colour channels of |gradient|) in jet over the image, scaled to its
 * 0.995 quantile as the CLI's figure is (a few hot pixels would otherwise wash it out), α 0.5.
 */
export function drawSaliency(
  map: Float32Array,
  shape: number[],
  objective: Extract<FromEngine, { type: 'saliency' }>['objective'],
): void {
  $('saliency-note').textContent =
    objective.kind === 'class'
      ? `vanilla gradients of the top-1 class score: ${objective.label}`
      : `vanilla gradients of ${objective.layer} filter ${objective.filter}, its most active filter on this image (no classifier in these weights, so no class score)`;
  const [h, w] = shape as [number, number];
  const overlay = renderHeatmapOverlay(
    previewPixels(w, h),
    { data: map, shape: [h, w] },
    {
      max: quantile(map, 0.995),
      alpha: 0.5,
    },
  );
  paint($('saliency') as HTMLCanvasElement, overlay);
}

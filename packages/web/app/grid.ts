import { renderFeatureMapGrid } from '@vggscope/viz/render';
import { paint } from './paint.js';

/**
 * A layer's first 64 maps in a grid, each scaled to its own min..max (viridis): the figure of
 * `vggscope maps --colormap viridis`, drawn with the same renderer, at cells of at least `cell` px.
 */
export function drawGrid(canvas: HTMLCanvasElement, data: Float32Array, shape: readonly number[], cell = 56): void {
  paint(canvas, renderFeatureMapGrid({ data, shape: [...shape] }, { count: 64, cell, colormap: 'viridis' }));
}

import { renderFilterGrid } from '@vggscope/viz/render';
import { paint } from './paint.js';

/**
 * block1_conv1's filters as colour tiles (the Keras tutorial's picture), every kernel scaled over the
 * layer's min..max, input channel 2 shown as red (VGG's input is BGR): `vggscope filters --rgb`'s figure.
 */
export function drawFilters(canvas: HTMLCanvasElement, kernel: Float32Array, shape: readonly number[]): void {
  const cout = shape[3];
  if (!cout || shape[2] !== 3) return;
  paint(canvas, renderFilterGrid({ data: kernel, shape: [...shape] }, { mode: 'rgb', count: cout, cell: 30 }));
}

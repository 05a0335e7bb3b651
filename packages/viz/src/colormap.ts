import type { Rgb } from './canvas.js';

export type ColormapName = 'gray' | 'viridis' | 'jet';

/** t in [0, 1] → 8-bit RGB. */
export type Colormap = (t: number) => Rgb;

const byte = (x: number) => Math.max(0, Math.min(255, Math.round(x * 255)));
const clamp01 = (t: number) => Math.max(0, Math.min(1, t));

export const gray: Colormap = (t) => {
  const v = byte(t);
  return [v, v, v];
};

// matplotlib's viridis (CC0, van der Walt & Smith) as the degree-6 polynomial fit published by
// Matt Zucker (CC0); within ±2 levels of matplotlib's 256-entry table, which keeps this file short.
const C = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
] as const;

export const viridis: Colormap = (t) => {
  const x = clamp01(t);
  const channel = (c: 0 | 1 | 2) => C.reduceRight((acc, coef) => acc * x + coef[c], 0);
  return [byte(channel(0)), byte(channel(1)), byte(channel(2))];
};

/**
 * matplotlib's jet (the piecewise-linear `_jet_data`): dark blue → blue → cyan → yellow → red →
 * dark red. What Keras' Grad-CAM example overlays with; viridis reads better in gray print.
 */
export const jet: Colormap = (t) => {
  const x = clamp01(t);
  const ramp = (a: number) => clamp01(Math.min(4 * x - a + 1.5, -4 * x + a + 1.5));
  return [byte(ramp(3)), byte(ramp(2)), byte(ramp(1))];
};

export const COLORMAPS: Record<ColormapName, Colormap> = { gray, viridis, jet };

/** Every colormap by its one name, for every command's `--colormap`. */
export const COLORMAP_NAMES = Object.keys(COLORMAPS) as ColormapName[];

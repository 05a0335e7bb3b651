// The renderers without an encoder: arrays of numbers in, RGBA pixels out. No jimp and no I/O, so the
// explorer page (`@vggscope/viz/render`) draws the same pictures as the CLI, which adds PNG files (png.ts).
export { createImage, blitScaled, cellOrigin, gridSize, type RgbaImage, type Rgb } from './canvas.js';
export { gray, viridis, jet, COLORMAPS, COLORMAP_NAMES, type Colormap, type ColormapName } from './colormap.js';
export { assertFinite, quantile, toUnit, valueRange } from './normalize.js';
export { renderFilterGrid, filterGridAxes, GUTTER_COLOR, type FilterGridOptions } from './filter-grid.js';
export { renderFeatureMapGrid, gridFor, type FeatureMapGridOptions } from './feature-map-grid.js';
export { renderHeatmapOverlay, rgbToRgba, type OverlayOptions } from './overlay.js';

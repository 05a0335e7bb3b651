export { createImage, blitScaled, cellOrigin, gridSize, type RgbaImage, type Rgb } from './canvas.js';
export { gray, viridis, jet, COLORMAPS, COLORMAP_NAMES, type Colormap, type ColormapName } from './colormap.js';
export { assertFinite, toUnit, valueRange } from './normalize.js';
export { renderFilterGrid, filterGridAxes, GUTTER_COLOR, type FilterGridOptions } from './filter-grid.js';
export { renderFeatureMapGrid, gridFor, type FeatureMapGridOptions } from './feature-map-grid.js';
export { renderHeatmapOverlay, rgbToRgba, type OverlayOptions } from './overlay.js';
export { encodePng, renderPng, writePng, titleFontSize, type EncodedPng, type PngOptions, type Tick } from './png.js';

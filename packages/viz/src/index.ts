export { createImage, blitScaled, gridSize, type RgbaImage, type Rgb } from './canvas.js';
export { gray, viridis, COLORMAPS, type Colormap, type ColormapName } from './colormap.js';
export { assertFinite, toUnit, valueRange } from './normalize.js';
export { renderFilterGrid, GUTTER_COLOR, type FilterGridOptions } from './filter-grid.js';
export { renderFeatureMapGrid, type FeatureMapGridOptions } from './feature-map-grid.js';
export { encodePng, writePng } from './png.js';

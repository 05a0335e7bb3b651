export * from './render.js';
export { encodePng, renderPng, writePng, titleFontSize, type EncodedPng, type PngOptions, type Tick } from './png.js';

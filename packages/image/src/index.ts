export { decodeImage, decodeImageRows, type DecodeOptions, type RgbImage, type RgbRowSink } from './decode-image.js';
export { sniffFormat, describeBytes, IMAGE_FILE_EXTENSIONS, type ImageFormat } from './image-format.js';
export { checkPixelCount, DEFAULT_MAX_PIXELS, PILLOW_WARN_PIXELS } from './image-limits.js';
export { nearestIndices, resizeNearest } from './resize-nearest.js';
export { resample, type Box, type PixelBuffer, type ResampleFilter } from './resample.js';
export { rgbToLuma, lumaToRgb } from './grayscale.js';
export {
  loadImg,
  loadImgFromBytes,
  loadInput,
  aspectCropBox,
  INTERPOLATIONS,
  COLOR_MODES,
  type LoadImageOptions,
  type LoadedImage,
  type Interpolation,
  type ColorMode,
} from './load-image.js';

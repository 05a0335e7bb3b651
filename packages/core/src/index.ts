export type { Backend, BackendFactory, BackendOptions, MaybePromise } from './backend.js';
export {
  ERROR_CODES,
  EXIT_CODES,
  VggError,
  coreErrors,
  isVggError,
  wrapError,
  type ErrorCategory,
  type ErrorCode,
  type VggErrorOptions,
} from './errors.js';
export { runGraph, missingWeights, type LayerOutput, type RunRequest } from './executor.js';
export { resolveVggConfig, neededLayers, type VggConfig, type VggConfigInput } from './config.js';
export { createVgg, type CreateVggOptions, type ExtractOptions, type Vgg, type VggInput } from './session.js';
export { openWeights, type WeightLayer, type WeightStream } from './weights/open-weights.js';
export { assertWeightsModel } from './weights/weights-model.js';
export {
  buildGraph,
  weightedLayers,
  activationBytes,
  DEFAULT_INPUT_SIZE,
  MIN_INPUT_SIDE,
  type GraphLayer,
  type GraphOptions,
  type Pooling,
  type VggGraph,
  type WeightSpec,
} from './graph.js';
export { findLayer, findLayers, closestName } from './layer-lookup.js';
export type { LayerSpec, ModelSpec } from './models/layer-spec.js';
export { getModelSpec, MODEL_NAMES, TEST_MODEL_NAMES, type ModelName } from './models/registry.js';
export { VGG16 } from './models/vgg16.js';
export { VGG19 } from './models/vgg19.js';
export { tinyVgg, type TinyVggOptions } from './models/tiny.js';
export { decodeImage, type DecodeOptions, type RgbImage } from './preprocess/decode-image.js';
export { sniffFormat, describeBytes, IMAGE_FILE_EXTENSIONS, type ImageFormat } from './preprocess/image-format.js';
export { checkPixelCount, DEFAULT_MAX_PIXELS, PILLOW_WARN_PIXELS } from './preprocess/image-limits.js';
export { nearestIndices, resizeNearest } from './preprocess/resize-nearest.js';
export { resample, type Box, type PixelBuffer, type ResampleFilter } from './preprocess/resample.js';
export { rgbToLuma, lumaToRgb } from './preprocess/grayscale.js';
export { preprocessInput, stackBatch, CAFFE_MEAN_BGR } from './preprocess/caffe.js';
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
} from './preprocess/load-image.js';
export { stats, sizeOf, formatShape, type FloatTensor, type Stats } from './tensor.js';
export { loadWeights, type LoadWeightsOptions } from './weights/load-weights.js';
export { readKerasH5, type KerasH5Contents, type ReadOptions as ReadKerasH5Options } from './weights/read-keras-h5.js';
export { readTfjsFolder, halfToFloat } from './weights/read-tfjs-folder.js';
export { matchToGraph } from './weights/match-graph.js';
export type { LayerWeights, RawLayer, RawWeight, WeightFormat, WeightSet } from './weights/weight-set.js';
export { encodeNpy, decodeNpy, parseNpyHeader, npyMatches, npyByteLength, type NpyHeader } from './io/npy.js';
export { npyFileMatches } from './io/npy-file.js';
export { outputKeys, RESERVED_OUTPUT_NAMES } from './io/output-keys.js';
export { writeFileAtomic, ensureDir, probeWritable, tempPathFor, cleanStaleTemps } from './io/atomic-write.js';
export { outputError, OUTPUT_FAULTS } from './io/output-error.js';
export { openNpz, NpzArchive, type NpzEntry } from './io/npz-reader.js';
export { NpyStackWriter, encodeNpyStrings, npyPreamble } from './io/npy-stack.js';
export { decodePredictions, imagenetClassIndex, type Prediction } from './predictions.js';
export { loadManifest, manifestEntry, REPO_WEIGHTS_DIR, type ManifestFile } from './weights/manifest.js';
export { hashFile } from './weights/md5-file.js';
export { downloadVerified, DownloadError, type DownloadFailure, type DownloadOptions } from './weights/download.js';
export {
  writePacked,
  readPacked,
  readPackedLayers,
  readPackedHeader,
  isPackedFile,
  verifyPacked,
  packedName,
  PACKED_EXT,
  PACKED_MAGIC,
  type PackedDtype,
  type PackedHeader,
  type PackedTensor,
} from './weights/packed.js';
export { floatToHalf, toHalf, fromHalf } from './weights/float16.js';
export { convertToPacked, detectVariant } from './weights/convert.js';
export {
  resolveWeights,
  cacheDirs,
  kerasCacheDir,
  type ResolveWeightsOptions,
  type ResolvedWeights,
  type WeightsOrigin,
} from './weights/resolve-weights.js';
export {
  filterSummary,
  featureMapSizes,
  modelSummary,
  lastConvOfEachBlock,
  type FilterRow,
  type FeatureMapRow,
  type SummaryRow,
} from './summaries.js';
export { NpzWriter, crc32, type NpzWriterOptions } from './io/npz-writer.js';
export {
  readTopWeights,
  topForward,
  topBackward,
  softmax,
  TOP_LAYERS,
  type TopWeights,
  type TopPass,
} from './explain/top-path.js';
export {
  gradCam,
  gradCamFromActivation,
  lastConvLayer,
  weightedSum,
  type ClassHeatmap,
  type GradCamOptions,
  type GradCamResult,
} from './explain/grad-cam.js';
export {
  scoreCam,
  byVariance,
  unitMask,
  type ScoreCamModel,
  type ScoreCamOptions,
  type ScoreCamResult,
} from './explain/score-cam.js';
export { upsampleBilinear, channelMap } from './explain/upsample.js';
export { imagenetClass, classAt, type ImagenetClass } from './explain/class-ref.js';

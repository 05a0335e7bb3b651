export type { Backend, BackendFactory, BackendOptions, MaybePromise } from './backend.js';
export { ERROR_CODES, EXIT_CODES, VggError, isVggError, wrapError, type ErrorCategory, type ErrorCode } from './errors.js';
export { runGraph, missingWeights, type LayerOutput, type RunRequest, type UploadedLayer } from './executor.js';
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
export { getModelSpec, MODEL_NAMES, type ModelName } from './models/registry.js';
export { VGG16 } from './models/vgg16.js';
export { VGG19 } from './models/vgg19.js';
export { tinyVgg, type TinyVggOptions } from './models/tiny.js';
export { decodeImage, type RgbImage } from './preprocess/decode-image.js';
export { nearestIndices, resizeNearest } from './preprocess/resize-nearest.js';
export { preprocessInput, stackBatch, CAFFE_MEAN_BGR } from './preprocess/caffe.js';
export { loadImg, loadInput } from './preprocess/load-image.js';
export { stats, sizeOf, formatShape, type FloatTensor, type Stats } from './tensor.js';
export { loadWeights, type LoadWeightsOptions } from './weights/load-weights.js';
export { readKerasH5, type KerasH5Contents } from './weights/read-keras-h5.js';
export { readTfjsFolder, halfToFloat } from './weights/read-tfjs-folder.js';
export { matchToGraph } from './weights/match-graph.js';
export type { LayerWeights, RawLayer, RawWeight, WeightFormat, WeightSet } from './weights/weight-set.js';
export { encodeNpy, decodeNpy } from './io/npy.js';
export { writeFileAtomic } from './io/atomic-write.js';
export { decodePredictions, imagenetClassIndex, type Prediction } from './predictions.js';
export { loadManifest, manifestEntry, REPO_WEIGHTS_DIR, type ManifestFile } from './weights/manifest.js';
export { hashFile } from './weights/md5-file.js';
export { downloadVerified, type DownloadOptions } from './weights/download.js';
export {
  writePacked, readPacked, readPackedLayers, readPackedHeader, isPackedFile, verifyPacked, packedName, PACKED_EXT, PACKED_MAGIC,
  type PackedDtype, type PackedHeader, type PackedTensor,
} from './weights/packed.js';
export { floatToHalf, toHalf, fromHalf } from './weights/float16.js';
export { convertToPacked, detectVariant } from './weights/convert.js';
export { resolveWeights, cacheDirs, kerasCacheDir, type ResolveWeightsOptions, type ResolvedWeights, type WeightsOrigin } from './weights/resolve-weights.js';
export { filterSummary, featureMapSizes, modelSummary, lastConvOfEachBlock, type FilterRow, type FeatureMapRow, type SummaryRow } from './summaries.js';
export { NpzWriter, crc32 } from './io/npz-writer.js';

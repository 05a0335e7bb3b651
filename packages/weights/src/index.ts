export { openWeights, type WeightLayer, type WeightStream } from './open-weights.js';
export { assertWeightsModel } from './weights-model.js';
export { loadWeights, type LoadWeightsOptions } from './load-weights.js';
export {
  readKerasH5,
  prepareKerasH5,
  parseBudgetMs,
  h5TimeoutError,
  type KerasH5Contents,
  type ReadOptions as ReadKerasH5Options,
} from './read-keras-h5.js';
export { readTfjsFolder } from './read-tfjs-folder.js';
export { matchToGraph } from './match-graph.js';
export {
  BUNDLED_MANIFEST,
  loadManifest,
  manifestEntry,
  manifestPath,
  officialByMd5,
  REPO_WEIGHTS_DIR,
  userCacheDir,
  type ManifestFile,
} from './manifest.js';
export { hashFile } from './md5-file.js';
export { stampedMd5 } from './packed-stamp.js';
export { downloadVerified, DownloadError, type DownloadFailure, type DownloadOptions } from './download.js';
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
} from './packed.js';
export { floatToHalf, halfToFloat, toHalf, fromHalf } from './float16.js';
export { convertToPacked, detectVariant } from './convert.js';
export {
  resolveWeights,
  cacheDirs,
  kerasCacheDir,
  syntheticHint,
  type ResolveWeightsOptions,
  type ResolvedWeights,
  type WeightsOrigin,
} from './resolve-weights.js';

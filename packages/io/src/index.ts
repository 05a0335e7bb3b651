export {
  encodeNpy,
  encodeNpyParts,
  decodeNpy,
  parseNpyHeader,
  npyMatches,
  npyByteLength,
  npyPreamble,
  type NpyHeader,
} from './npy.js';
export { npyFileMatches } from './npy-file.js';
export { outputKeys, commonFolder, sharedFolderPaths, RESERVED_OUTPUT_NAMES } from './output-keys.js';
export {
  writeFileAtomic,
  ensureDir,
  probeWritable,
  tempPathFor,
  cleanStaleTemps,
  cleanOutputTemps,
  type CleanTempsOptions,
} from './atomic-write.js';
export { outputError, OUTPUT_FAULTS } from './output-error.js';
export { openNpz, NpzArchive, type NpzEntry } from './npz-reader.js';
export { NpyStackWriter, encodeNpyStrings } from './npy-stack.js';
export { NpzWriter, crc32, type NpzWriterOptions } from './npz-writer.js';
export { decodeNpyStrings } from './npy-stack.js';
export {
  StackedOutputs,
  PreviousStack,
  stackedFileName,
  legacyStackedFileName,
  STACK_IMAGE_LIST,
  type StackedOutputsOptions,
} from './stacked-outputs.js';
export {
  FEATURE_INDEX,
  encodeFeatureIndex,
  writeFeatureIndex,
  npyOutputPath,
  saveNpyOutputs,
  nonFiniteOutput,
  type FeatureIndexRow,
  type OutputRow,
} from './feature-index.js';

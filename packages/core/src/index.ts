export type {
  Backend,
  BackendFactory,
  BackendOptions,
  BackwardOps,
  DenseActivation,
  MaybePromise,
  ReluBackwardMode,
} from './backend.js';
export { ERROR_CODES, EXIT_CODES, VggError, coreErrors, isVggError, wrapError, type ErrorCode } from './errors.js';
export { missingWeights, type LayerOutput } from './executor.js';
export {
  resolveVggConfig,
  MAX_THREADS,
  type ResolvedVggConfig,
  type VggConfig,
  type VggConfigInput,
} from './config.js';
export type {
  InputImageOptions,
  LoadInput,
  OpenWeights,
  OpenWeightsOptions,
  RgbImage,
  WeightLayer,
  WeightStaging,
  WeightStream,
} from './ports.js';
export {
  createVgg,
  type CreateVggOptions,
  type ExtractOptions,
  type GradientOptions,
  type Vgg,
  type VggInput,
} from './session.js';
export { runGradient, type GradientRequest, type GradientResult } from './backward.js';
export { resolveObjective, type GradientObjective, type ObjectiveSeed, type ResolvedObjective } from './objectives.js';
export {
  buildGraph,
  weightedLayers,
  DEFAULT_INPUT_SIZE,
  MIN_INPUT_SIDE,
  type GraphLayer,
  type GraphOptions,
  type Pooling,
  type VggGraph,
  type WeightSpec,
} from './graph.js';
export { findLayer, findLayers, closestName } from './layer-lookup.js';
export { kerasClassName, type LayerSpec, type ModelSpec } from './models/layer-spec.js';
export { getModelSpec, MODEL_NAMES, TEST_MODEL_NAMES, type ModelName } from './models/registry.js';
export { VGG16 } from './models/vgg16.js';
export { VGG19 } from './models/vgg19.js';
export { tinyVgg, type TinyVggOptions } from './models/tiny.js';
export { preprocessInput, CAFFE_MEAN_BGR } from './caffe.js';
export { stats, sizeOf, formatShape, type FloatTensor, type Stats } from './tensor.js';
export type { LayerWeights, RawLayer, RawWeight, WeightFormat, WeightSet } from './weight-set.js';
export {
  filterSummary,
  featureMapSizes,
  modelSummary,
  lastConvOfEachBlock,
  type FilterRow,
  type FeatureMapRow,
  type SummaryRow,
} from './summaries.js';
export { upsampleBilinear, channelMap } from './upsample.js';
export { mulberry32 } from './random.js';

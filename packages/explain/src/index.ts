export { decodePredictions, imagenetClassIndex, type Prediction } from './predictions.js';
export {
  readTopWeights,
  topForward,
  topBackward,
  softmax,
  TOP_LAYERS,
  type TopWeights,
  type TopPass,
} from './top-path.js';
export {
  gradCam,
  gradCamFromActivation,
  lastConvLayer,
  weightedSum,
  type CamMethod,
  type ClassHeatmap,
  type GradCamOptions,
  type GradCamResult,
} from './grad-cam.js';
export {
  scoreCam,
  byVariance,
  unitMask,
  type ScoreCamModel,
  type ScoreCamOptions,
  type ScoreCamResult,
} from './score-cam.js';
export { imagenetClass, classAt, type ImagenetClass } from './class-ref.js';
export {
  saliency,
  channelMaxAbs,
  SALIENCY_METHODS,
  type SaliencyMethod,
  type SaliencyModel,
  type SaliencyOptions,
  type SaliencyResult,
} from './saliency.js';
export { seededNormal, seededUniform } from './seeded-normal.js';
export {
  gradientCam,
  GRADIENT_CAM_METHODS,
  type GradientCamMethod,
  type GradientCamOptions,
  type GradientCamResult,
} from './gradient-cams.js';
export {
  maximize,
  deprocessImage,
  octaveSizes,
  type MaximizeModel,
  type MaximizeOptions,
  type MaximizeResult,
  type MaximizeTarget,
} from './maximize.js';

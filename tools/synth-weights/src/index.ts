export { mulberry32, fillNormal } from './prng.js';
export { synthWeights } from './synth-weights.js';
export { writeLegacyH5 } from './write-legacy-h5.js';
export { writeTfjsFolder } from './write-tfjs-folder.js';
export { kerasModelConfig } from './keras-config.js';

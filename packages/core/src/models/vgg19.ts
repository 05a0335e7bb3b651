import { type ModelSpec, VGG_TOP, vggFeatureLayers } from './layer-spec.js';

/** VGG19 (configuration E of Simonyan & Zisserman), Keras `applications.VGG19`. */
export const VGG19: ModelSpec = {
  name: 'vgg19',
  features: vggFeatureLayers([
    [64, 64],
    [128, 128],
    [256, 256, 256, 256],
    [512, 512, 512, 512],
    [512, 512, 512, 512],
  ]),
  top: VGG_TOP,
};

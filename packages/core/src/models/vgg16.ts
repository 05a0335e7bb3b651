import { type ModelSpec, VGG_TOP, vggFeatureLayers } from './layer-spec.js';

/** VGG16 (configuration D of Simonyan & Zisserman), Keras `applications.VGG16`. */
export const VGG16: ModelSpec = {
  name: 'vgg16',
  features: vggFeatureLayers([
    [64, 64],
    [128, 128],
    [256, 256, 256],
    [512, 512, 512],
    [512, 512, 512],
  ]),
  top: VGG_TOP,
};

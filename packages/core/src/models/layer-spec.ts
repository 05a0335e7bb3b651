/** The layer kinds a VGG graph is made of, as Keras builds them. */
export type LayerKind = 'input' | 'conv' | 'pool' | 'flatten' | 'dense' | 'global_pool';

export interface ConvSpec {
  readonly kind: 'conv';
  readonly name: string;
  /** Output channels; kernels are always 3×3, stride 1, 'same' padding, ReLU. */
  readonly filters: number;
}
export interface PoolSpec {
  readonly kind: 'pool';
  readonly name: string; // 2×2 max pool, stride 2, 'valid'
}
export interface InputSpec {
  readonly kind: 'input';
  readonly name: string;
}
export interface FlattenSpec {
  readonly kind: 'flatten';
  readonly name: string;
}
export interface DenseSpec {
  readonly kind: 'dense';
  readonly name: string;
  readonly units: number;
  readonly activation: 'relu' | 'softmax';
}
export interface GlobalPoolSpec {
  readonly kind: 'global_pool';
  readonly name: string;
  readonly mode: 'avg' | 'max';
}

export type LayerSpec = InputSpec | ConvSpec | PoolSpec | FlattenSpec | DenseSpec | GlobalPoolSpec;

export interface ModelSpec {
  /** The Keras model this spec has the structure (layer names, order) of. */
  readonly name: 'vgg16' | 'vgg19';
  /** Set on reduced-width test models (`tinyVgg`); absent for the real VGG16/VGG19. */
  readonly variant?: string;
  /** Layers of the no-top model, Keras order: index in this array = Keras layer index. */
  readonly features: readonly LayerSpec[];
  /** Layers Keras appends with include_top=True. */
  readonly top: readonly LayerSpec[];
}

/** Expands per-block conv widths into Keras' `blockB_convC` / `blockB_pool` layers. */
export function vggFeatureLayers(blocks: readonly (readonly number[])[]): LayerSpec[] {
  const layers: LayerSpec[] = [{ kind: 'input', name: 'input_1' }];
  blocks.forEach((convs, b) => {
    convs.forEach((filters, c) => layers.push({ kind: 'conv', name: `block${b + 1}_conv${c + 1}`, filters }));
    layers.push({ kind: 'pool', name: `block${b + 1}_pool` });
  });
  return layers;
}

/** A top with `units`-wide fc1/fc2 and Keras' 1000-class softmax. */
export function vggTop(units: number): LayerSpec[] {
  return [
    { kind: 'flatten', name: 'flatten' },
    { kind: 'dense', name: 'fc1', units, activation: 'relu' },
    { kind: 'dense', name: 'fc2', units, activation: 'relu' },
    { kind: 'dense', name: 'predictions', units: 1000, activation: 'softmax' },
  ];
}

/** Keras' VGG top: flatten → fc1 → fc2 (ReLU, 4096) → predictions (softmax, 1000). */
export const VGG_TOP: readonly LayerSpec[] = [
  { kind: 'flatten', name: 'flatten' },
  { kind: 'dense', name: 'fc1', units: 4096, activation: 'relu' },
  { kind: 'dense', name: 'fc2', units: 4096, activation: 'relu' },
  { kind: 'dense', name: 'predictions', units: 1000, activation: 'softmax' },
];

/**
 * The Keras class that builds a layer, as `model.summary()` and a saved model's config name it.
 * @example kerasClassName({ kind: 'global_pool', name: 'g', mode: 'avg' }) // 'GlobalAveragePooling2D'
 */
export function kerasClassName(spec: LayerSpec): string {
  switch (spec.kind) {
    case 'input':
      return 'InputLayer';
    case 'conv':
      return 'Conv2D';
    case 'pool':
      return 'MaxPooling2D';
    case 'flatten':
      return 'Flatten';
    case 'dense':
      return 'Dense';
    case 'global_pool':
      return spec.mode === 'avg' ? 'GlobalAveragePooling2D' : 'GlobalMaxPooling2D';
  }
}

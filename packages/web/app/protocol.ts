/** The page ↔ engine-worker messages (one typed switch on each side). */
export type ToEngine =
  | {
      type: 'load';
      /** Echoed in `loaded`, which says which load it answers. */
      id: number;
      model: string;
      /**
       * A packed `.vggw` or Keras `.h5` file (`name` is its file name), or a tfjs folder (`name` is the
       * folder; `files` are `model.json` and its shards as `folder/…`). Whether the weights hold the
       * classifier is read from them.
       */
      weights: { name: string; files: { path: string; bytes: ArrayBuffer }[] };
      threads: boolean;
    }
  | { type: 'run'; image: { name: string; bytes: ArrayBuffer } };

export interface WireOutput {
  readonly layer: string;
  readonly shape: number[];
  readonly data: ArrayBuffer;
  readonly ms: number;
}

export type FromEngine =
  | {
      type: 'loaded';
      id: number;
      model: string;
      includeTop: boolean;
      /** The weights' format as the reader found it (`packed`, `keras-h5`, `tfjs-layers`). */
      format: string;
      threads: number;
      /** The kernel build: 'fma', 'fma-emulated' or 'mul-add'. */
      arithmetic: string;
      layers: string[];
      notices: string[];
      /** block1_conv1's kernel, [3, 3, 3, 64]. */
      filters: { data: ArrayBuffer; shape: number[] };
    }
  | { type: 'layer'; layer: string; ms: number; done: number; total: number }
  | {
      type: 'result';
      outputs: WireOutput[];
      totalMs: number;
      top5?: { label: string; probability: number }[];
      /** Grad-CAM of the top-1 class at the last conv layer, `[h, w]` (with the top's weights only). */
      gradCam?: { label: string; layer: string; heatmap: number[]; shape: number[] };
    }
  | {
      /** Vanilla saliency (max over channels of |∂objective/∂input|), `[h, w]`, for the last image run. */
      type: 'saliency';
      map: ArrayBuffer;
      shape: number[];
      /** What was differentiated: the top-1 class's score, or (no classifier) the last conv layer's most active filter. */
      objective: { kind: 'class'; class: number; label: string } | { kind: 'filter'; layer: string; filter: number };
    }
  | {
      /**
       * A read the engine cannot stop itself is under way (HDF5 runs in this thread in a page): stop
       * the engine worker after `ms` and show `code: message`; `ms: 0` says the read is over.
       */
      type: 'watchdog';
      ms: number;
      code?: string;
      message?: string;
    }
  | { type: 'notice'; message: string }
  | { type: 'error'; code: string; message: string; hint?: string };

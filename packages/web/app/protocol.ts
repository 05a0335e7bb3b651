/** The page ↔ engine-worker messages (one typed switch on each side). */
export type ToEngine =
  | {
      type: 'load';
      model: string;
      includeTop: boolean;
      weights: { name: string; bytes: ArrayBuffer };
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
      model: string;
      threads: number;
      fma: boolean;
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
  | { type: 'notice'; message: string }
  | { type: 'error'; code: string; message: string; hint?: string };

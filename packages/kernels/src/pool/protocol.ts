import type { Pooling } from '@vggscope/core';

/** What every worker is started with (piscina `workerData`): one model, loaded once per worker. */
export interface WorkerInit {
  model: string;
  /** Path of the weights (a packed .vggw loads fastest; only the needed layers are read). */
  weights: string;
  includeTop: boolean;
  pooling: Pooling | null;
  inputSize?: [number, number];
  layers: (string | number)[];
}

/** One task: an NHWC float32 batch, its buffer transferred (not copied) to the worker. */
export interface RunTask {
  batch: ArrayBuffer;
  shape: number[];
}

export interface WireOutput {
  layer: string;
  index: number;
  shape: number[];
  data: ArrayBuffer;
  ms: number;
}

/** Errors travel as data: a thrown VggError's code would not survive structured cloning. */
export type RunResult = { ok: true; outputs: WireOutput[] } | { ok: false; code: string; message: string };

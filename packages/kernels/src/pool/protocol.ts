import type { VggConfig } from '@vggscope/core';

/** What every worker is started with (piscina `workerData`): one validated model config, weights as a path. */
export type WorkerInit = VggConfig & { readonly weights: string };

/**
 * One task. `warmup` loads the model (weights, backend) and answers when it is ready: the pool's
 * start-up handshake. `run` is an NHWC float32 batch, its buffer transferred (not copied).
 */
export type WorkerTask = { kind: 'warmup' } | { kind: 'run'; batch: ArrayBuffer; shape: number[] };

export interface WireOutput {
  layer: string;
  index: number;
  shape: number[];
  data: ArrayBuffer;
  ms: number;
}

/** Errors travel as data: a thrown VggError's code would not survive structured cloning. */
export type RunResult =
  { ok: true; outputs: WireOutput[] } | { ok: false; code: string; message: string; hint?: string };

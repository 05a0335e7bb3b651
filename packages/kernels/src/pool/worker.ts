import { workerData } from 'node:worker_threads';
import { isWorkerThread, move, transferableSymbol, valueSymbol } from 'piscina';
import { isVggError, type Vgg } from '@vggscope/core';
import { loadVgg } from '../load-vgg.js';
import type { RunResult, WorkerInit, WorkerTask } from './protocol.js';

// piscina hands its `workerData` option to the thread as worker_threads' own workerData.
const init = workerData as WorkerInit;
/**
 * Whether this module shares piscina's module instance with the thread wrapper that runs it. In a
 * bundle the worker is its own entry with its own copy of piscina, whose `move()` marks results
 * with a symbol the wrapper's copy does not know: there the outputs are cloned instead of moved.
 */
const canMove = isWorkerThread;
let model: Promise<Vgg> | undefined;

/**
 * The pool's one handler: loads the model once (weights once per worker, only the layers the
 * outputs need), runs batches, and hands the output buffers back by transfer.
 */
export default async function run(task: WorkerTask): Promise<unknown> {
  try {
    model ??= loadVgg(init);
    const vgg = await model;
    if (task.kind === 'warmup') return { ok: true, outputs: [] } satisfies RunResult;
    const outputs = await vgg.extract({ data: new Float32Array(task.batch), shape: task.shape });
    const result: RunResult = {
      ok: true,
      outputs: outputs.map((o) => ({
        layer: o.layer,
        index: o.index,
        shape: [...o.shape],
        data: o.data.buffer as ArrayBuffer,
        ms: o.ms,
      })),
    };
    const buffers = result.outputs.map((o) => o.data);
    if (!canMove) return result;
    return move({ [transferableSymbol]: buffers, [valueSymbol]: result } as unknown as ArrayBuffer);
  } catch (e) {
    if (
      model &&
      !(await model.then(
        () => true,
        () => false,
      ))
    )
      model = undefined; // let the next task retry loading
    const failure: RunResult = isVggError(e)
      ? { ok: false, code: e.code, message: e.message, hint: e.hint }
      : { ok: false, code: 'E_WORKER', message: `worker: ${e instanceof Error ? e.message : String(e)}` };
    return failure;
  }
}

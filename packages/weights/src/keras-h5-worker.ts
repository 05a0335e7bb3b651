/**
 * The h5 worker: parses Keras HDF5 files one request at a time and posts each result back with
 * every tensor's buffer transferred. read-keras-h5.ts keeps it for the next file while it answers
 * normally, and terminates it at the time budget or after any failure that is not a VggError, so
 * a file that wedges or aborts HDF5 takes nothing with it but this thread.
 */
import { parentPort } from 'node:worker_threads';
import { VggError } from '@vggscope/core';
import { h5HeapBytes, loadH5wasm, parseKerasH5 } from './keras-h5-parse.js';
import type { H5WorkerReply, H5WorkerRequest } from './read-keras-h5.js';

// Whatever HDF5 or emscripten prints is kept for the error message, never shown to the user.
// (Captured here: piping the worker's stdio instead would keep a parked worker's process alive.)
let printed = '';
const capture = (chunk: unknown) => {
  if (printed.length < 4096) printed += String(chunk);
  return true;
};
process.stdout.write = capture as typeof process.stdout.write;
process.stderr.write = capture as typeof process.stderr.write;
for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const)
  console[level] = (...args: unknown[]) => void capture(`${args.join(' ')}\n`);

// Timed from after the module is loaded (a TypeScript loader in tests makes loading slow and
// uneven): what is measured is instantiating h5wasm's wasm, a fixed amount of CPU work.
const t0 = await import('h5wasm/node').then(
  () => performance.now(),
  () => performance.now(),
);
const h5wasm = loadH5wasm();
// The parent starts a file's time budget on this message, so a slow start never counts against it,
// and scales the budget by how long instantiating h5wasm took (a failed load is reported by the
// first request instead).
const ready = () => parentPort!.postMessage({ type: 'ready', ms: performance.now() - t0 });
h5wasm.then(ready, ready);

parentPort!.on('message', async ({ path, options }: H5WorkerRequest) => {
  let reply: H5WorkerReply;
  let transfer: ArrayBuffer[] = [];
  printed = '';
  try {
    const result = parseKerasH5(await h5wasm, path, options);
    transfer = result.layers.flatMap((l) => l.weights.flatMap((w) => (w.data ? [w.data.buffer as ArrayBuffer] : [])));
    reply = { type: 'ok', result, heapBytes: h5HeapBytes() };
  } catch (e) {
    const message = `${e instanceof Error ? e.message : String(e)}${printed ? `\n${printed}` : ''}`;
    // A wasm trap (abort, unreachable, out of bounds: a RuntimeError) leaves HDF5's state unknown,
    // so the worker must go; an error HDF5 reported through the throwing handler leaves it sound.
    const fatal = !(e instanceof Error) || e.name === 'RuntimeError' || /Aborted\(/.test(message);
    reply =
      e instanceof VggError ? { type: 'error', code: e.code, message: e.message } : { type: 'foreign', message, fatal };
  }
  parentPort!.postMessage(reply, transfer);
});

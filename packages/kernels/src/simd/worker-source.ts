/**
 * The body of one team worker, run with `new Worker(source, { eval: true })` so that it loads the
 * same way from the TypeScript sources (tests) and from dist (no .ts worker file for plain Node).
 * It instantiates the shared module on the shared memory, then sleeps on the GEN word; each new
 * generation it takes jobs with `work` and counts itself DONE. Word indices: see control-block.ts.
 */
export const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, ctrl, scratch } = workerData;
const GEN = 0, STOP = 1, DONE = 3, ERROR = 6;
const { exports } = new WebAssembly.Instance(module, { env: { memory } });
const words = new Int32Array(memory.buffer, ctrl, 32);
let seen = Atomics.load(words, GEN);
parentPort.postMessage('ready');
for (;;) {
  Atomics.wait(words, GEN, seen);
  seen = Atomics.load(words, GEN);
  if (Atomics.load(words, STOP) !== 0) break;
  try {
    exports.work(ctrl, scratch);
  } catch (e) {
    Atomics.store(words, ERROR, 1);
  }
  Atomics.add(words, DONE, 1);
  Atomics.notify(words, DONE);
}
`;

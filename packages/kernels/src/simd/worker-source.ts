import { CLOSED, CTRL_WORDS, W, WASM_PAGE } from './control-block.js';

/** Characters of a worker's failure message kept (in its scratch, after a 16-bit length). */
export const MESSAGE_CHARS = 300;

/**
 * The body of one team worker: the source of a `(data, post) => void` function that the platform
 * runs in a worker_thread (Node, Deno, Bun) or a Web Worker (browsers), so it loads the same way
 * from the TypeScript sources, from dist and from a bundle (no worker file to find). It
 * instantiates the shared module on the shared memory, then sleeps on the GEN word; each new
 * generation it joins the op (unless already closed), takes jobs with `work`, and leaves.
 * Word indices come from abi.ts (through control-block.ts). A job that throws (a wasm trap) leaves
 * its message, and the memory size this thread sees, in its scratch and sets ERROR to where
 * (`workerFailure` in team.ts reads it), so the main thread's error says what failed.
 */
export const WORKER_BODY = `(data, post) => {
  const { module, memory, ctrl, scratch } = data;
  const GEN = ${W.gen}, STOP = ${W.stop}, ACTIVE = ${W.active}, ERROR = ${W.error}, PAGES = ${W.pages}, CLOSED = ${CLOSED};
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  const words = new Int32Array(memory.buffer, ctrl, ${CTRL_WORDS});
  let seen = Atomics.load(words, GEN);
  let refreshedAt = 0; // the memory's size (pages) when this thread last refreshed its view of it
  post('ready');
  for (;;) {
    Atomics.wait(words, GEN, seen);
    seen = Atomics.load(words, GEN);
    if (Atomics.load(words, STOP) !== 0) break;
    // Join the open op, unless the main thread already closed it (then there is nothing left to take).
    let joined = false;
    for (let a = Atomics.load(words, ACTIVE); (a & CLOSED) === 0; a = Atomics.load(words, ACTIVE)) {
      if (Atomics.compareExchange(words, ACTIVE, a, a + 1) === a) { joined = true; break; }
    }
    if (!joined) continue;
    try {
      const pages = Atomics.load(words, PAGES);
      if (pages !== refreshedAt) {
        memory.grow(0); // see abi.ts 'pages': this thread now sees every page the main thread grew
        refreshedAt = pages;
      }
      exports.work(ctrl, scratch);
    } catch (e) {
      const text = (String(e && e.message || e) + ' (this thread sees ' + exports.memoryPages() * ${WASM_PAGE} + ' bytes of memory)').slice(0, ${MESSAGE_CHARS});
      const chars = new Uint16Array(memory.buffer, scratch, ${MESSAGE_CHARS} + 1);
      chars[0] = text.length;
      for (let i = 0; i < text.length; i++) chars[i + 1] = text.charCodeAt(i);
      Atomics.store(words, ERROR, scratch);
    }
    Atomics.sub(words, ACTIVE, 1);
    Atomics.notify(words, ACTIVE);
  }
}`;

import { noticeOnce, platform, type PlatformWorker, type WasmMemory, type WasmModule, wasm } from '@vggscope/platform';
import { VggError } from '@vggscope/core';
import { ABI, abiHash, type OpArgs, type OpName } from './abi.js';
import {
  CLOSED,
  CTRL_PTR,
  CTRL_WORDS,
  MAX_THREADS,
  SCRATCH_BASE,
  SCRATCH_BYTES,
  W,
  WASM_PAGE,
} from './control-block.js';
import { MESSAGE_CHARS, WORKER_BODY } from './worker-source.js';

interface KernelExports {
  work(ctrl: number, scratch: number): void;
  abiHash(): number;
}

/**
 * The threads one pass runs on: the calling thread plus `threads − 1` persistent workers sharing
 * the module and the memory. `run` posts an op, works on it too, and returns when every job is
 * done; jobs are taken from a shared counter, so a thread slowed by another process takes fewer,
 * and one that wakes after the main thread has taken the last job stays out.
 */
export class Team {
  private closed = false;
  /** The op `post` left to the workers, and what to do once it is done. */
  private posted: { op: OpName; done?: () => void } | undefined;

  private constructor(
    private readonly memory: WasmMemory,
    private readonly kernels: KernelExports,
    private readonly workers: PlatformWorker[],
    private ready: Promise<void> | undefined,
  ) {}

  /**
   * Starts the workers (≈ 0.1 s each, so once per backend, never per call) without waiting for
   * them: ops run meanwhile on the threads that are up (a worker that starts late joins the next
   * op), so a cold start reads its weights while the workers boot. `join()` (before a pass) waits
   * for every worker and reports one that failed to start.
   */
  static async start(module: WasmModule, memory: WasmMemory, threads: number): Promise<Team> {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      throw new VggError(
        'E_USAGE',
        `simd backend: threads must be a whole number from 1 to ${MAX_THREADS}, got ${threads}`,
      );
    }
    const why = threads > 1 ? platform.whyNoThreads() : undefined;
    if (why) {
      noticeOnce(`simd backend: running on one thread: ${why}`);
      threads = 1;
    }
    const instance = new wasm.Instance(module, { env: { memory } });
    const built = (instance.exports as unknown as KernelExports).abiHash() >>> 0;
    if (built !== abiHash()) {
      throw new VggError(
        'E_INTERNAL',
        `simd backend: the wasm build does not match src/simd/abi.ts (ABI hash ${built.toString(16)}, expected ${abiHash().toString(16)}); ` +
          "run 'npm run build:wasm' (or 'npm run build')",
      );
    }
    const workers: PlatformWorker[] = [];
    for (let t = 1; t < threads; t++) {
      const data = { module, memory, ctrl: CTRL_PTR, scratch: SCRATCH_BASE + t * SCRATCH_BYTES };
      workers.push(platform.startWorker(WORKER_BODY, data));
    }
    let ready: Promise<void> | undefined;
    if (workers.length > 0) {
      ready = Promise.all(workers.map((w) => w.ready)).then(() => undefined);
      ready.catch(() => {}); // reported by join()
    }
    return new Team(memory, instance.exports as unknown as KernelExports, workers, ready);
  }

  /** Waits until every worker has started (at once when they have); a worker that failed closes the team. */
  async join(): Promise<void> {
    if (this.ready === undefined) return;
    try {
      await this.ready;
      this.ready = undefined;
    } catch (e) {
      await this.close();
      throw new VggError('E_WORKER', `simd backend: a kernel thread failed to start: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  /** True once every worker is known to have started (`join`); a team without workers always is. */
  get started(): boolean {
    return this.ready === undefined;
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** Runs `jobs` jobs of `op` with `args` (written as 32-bit words in ABI order; pointers unsigned) on every thread. */
  run<O extends OpName>(op: O, jobs: number, args: OpArgs<O>): void {
    if (this.closed) throw new VggError('E_USAGE', 'simd backend: used after close()');
    if (jobs <= 0) return;
    this.open(op, jobs, args);
    this.finish(op);
  }

  /**
   * Starts `op` on the workers only and returns at once, so the calling thread can do other work
   * (read the next layer's weights) meanwhile; the next `run`, `post` or `flush` first takes the
   * jobs still left and waits for it, then calls `done`. Without workers it runs here and now.
   * The op must not touch memory the caller changes before then.
   */
  post<O extends OpName>(op: O, jobs: number, args: OpArgs<O>, done?: () => void): void {
    if (this.workers.length === 0 || jobs <= 1) {
      this.run(op, jobs, args);
      done?.();
      return;
    }
    this.open(op, jobs, args);
    this.posted = { op, done };
  }

  /** Waits for the op `post` started (this thread takes the jobs no worker has taken yet). */
  flush(): void {
    const posted = this.posted;
    if (!posted) return;
    this.posted = undefined;
    this.finish(posted.op);
    posted.done?.();
  }

  private open<O extends OpName>(op: O, jobs: number, args: OpArgs<O>): void {
    if (this.closed) throw new VggError('E_USAGE', 'simd backend: used after close()');
    this.flush();
    const words = new Int32Array(this.memory.buffer, CTRL_PTR, CTRL_WORDS);
    const { code, args: names } = ABI.ops[op];
    words[W.op] = code;
    words[W.jobs] = jobs;
    words[W.pages] = this.memory.buffer.byteLength / WASM_PAGE;
    const values = args as Record<string, number>;
    for (let i = 0; i < names.length; i++) {
      const v = values[names[i]!];
      if (v === undefined || !Number.isFinite(v)) {
        throw new VggError('E_INTERNAL', `simd backend: ${op}: argument '${names[i]}' is ${v}`);
      }
      words[W.args + i] = v | 0;
    }
    Atomics.store(words, W.counter, 0);
    Atomics.store(words, W.error, 0);
    Atomics.store(words, W.active, 0);
    if (jobs > 1 && this.workers.length > 0) {
      Atomics.add(words, W.gen, 1);
      Atomics.notify(words, W.gen);
    }
  }

  private finish(op: OpName): void {
    const words = new Int32Array(this.memory.buffer, CTRL_PTR, CTRL_WORDS);
    let failure: unknown;
    try {
      this.kernels.work(CTRL_PTR, SCRATCH_BASE);
    } catch (e) {
      failure = e;
    }
    // Every job is taken: close the op to late workers, then wait for those inside it (also after
    // a failure: none may still write into the memory once run() returns).
    let active = Atomics.or(words, W.active, CLOSED) | CLOSED;
    while (active !== CLOSED) {
      Atomics.wait(words, W.active, active);
      active = Atomics.load(words, W.active);
    }
    const where = Atomics.load(words, W.error);
    if (failure === undefined && where !== 0) failure = this.rerunAlone(op, this.workerFailure(where));
    if (failure !== undefined) {
      throw new VggError('E_INTERNAL', `simd backend: kernel '${op}' failed: ${(failure as Error).message}`, {
        cause: failure,
      });
    }
  }

  /**
   * After a job failed on a worker only, runs the whole op again on this thread, the op still closed
   * to the workers (every op writes outputs of its own from inputs it does not change, and computes
   * each element the same way on any thread: the results are those of a clean run). Returns the
   * failure when this thread fails too (a real fault of the op), else says so once and returns nothing.
   */
  private rerunAlone(op: OpName, why: string): Error | undefined {
    Atomics.store(new Int32Array(this.memory.buffer, CTRL_PTR, CTRL_WORDS), W.counter, 0);
    try {
      this.kernels.work(CTRL_PTR, SCRATCH_BASE);
    } catch (e) {
      return new Error(`a worker trapped: ${why}; run again on the main thread: ${(e as Error).message}`);
    }
    noticeOnce(
      `simd backend: kernel '${op}' failed on a worker thread (${why}); it was run again on the main thread, ` +
        'which gives the same results. Please report this notice.',
    );
    return undefined;
  }

  /** The message a failed worker left at `where` (its scratch, see worker-source.ts). */
  private workerFailure(where: number): string {
    const chars = new Uint16Array(this.memory.buffer, where, MESSAGE_CHARS + 1);
    const length = Math.min(chars[0]!, MESSAGE_CHARS);
    return `${String.fromCharCode(...chars.subarray(1, 1 + length))}; the main thread sees ${this.memory.buffer.byteLength} bytes`;
  }

  /** Stops and terminates every worker; the team is unusable afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      this.flush();
    } catch {
      // A failed background op (a weight transform) matters no more: everything is being released.
    }
    this.closed = true;
    const words = new Int32Array(this.memory.buffer, CTRL_PTR, CTRL_WORDS);
    Atomics.store(words, W.stop, 1);
    Atomics.add(words, W.gen, 1);
    Atomics.notify(words, W.gen);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

import { noticeOnce, platform, type PlatformWorker, type WasmMemory, type WasmModule, wasm } from '@vggscope/platform';
import { VggError } from '@vggscope/core';
import {
  CLOSED,
  CTRL_PTR,
  CTRL_WORDS,
  MAX_THREADS,
  OP,
  type OpName,
  SCRATCH_BASE,
  SCRATCH_BYTES,
  W,
} from './control-block.js';
import { WORKER_BODY } from './worker-source.js';

interface KernelExports {
  work(ctrl: number, scratch: number): void;
}

/**
 * The threads one pass runs on: the calling thread plus `threads − 1` persistent workers sharing
 * the module and the memory. `run` posts an op, works on it too, and returns when every job is
 * done; jobs are taken from a shared counter, so a thread slowed by another process takes fewer,
 * and one that wakes after the main thread has taken the last job stays out.
 */
export class Team {
  private closed = false;

  private constructor(
    private readonly memory: WasmMemory,
    private readonly kernels: KernelExports,
    private readonly workers: PlatformWorker[],
  ) {}

  /** Starts the workers (≈ 0.1 s each, so once per backend, never per call) and waits until each is ready. */
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
    const workers: PlatformWorker[] = [];
    for (let t = 1; t < threads; t++) {
      const data = { module, memory, ctrl: CTRL_PTR, scratch: SCRATCH_BASE + t * SCRATCH_BYTES };
      workers.push(platform.startWorker(WORKER_BODY, data));
    }
    const ready = workers.map((w) => w.ready);
    const team = new Team(memory, instance.exports as unknown as KernelExports, workers);
    try {
      await Promise.all(ready);
    } catch (e) {
      await team.close();
      throw new VggError('E_WORKER', `simd backend: a kernel thread failed to start: ${(e as Error).message}`, {
        cause: e,
      });
    }
    return team;
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** Runs `jobs` jobs of `op` with `args` (32-bit words; pointers as unsigned) on every thread. */
  run(op: OpName, jobs: number, args: readonly number[]): void {
    if (this.closed) throw new VggError('E_USAGE', 'simd backend: used after close()');
    if (jobs <= 0) return;
    const words = new Int32Array(this.memory.buffer, CTRL_PTR, CTRL_WORDS);
    words[W.OP] = OP[op];
    words[W.JOBS] = jobs;
    for (let i = 0; i < args.length; i++) words[W.ARGS + i] = args[i]! | 0;
    Atomics.store(words, W.COUNTER, 0);
    Atomics.store(words, W.ERROR, 0);
    Atomics.store(words, W.ACTIVE, 0);
    if (jobs > 1 && this.workers.length > 0) {
      Atomics.add(words, W.GEN, 1);
      Atomics.notify(words, W.GEN);
    }
    let failure: unknown;
    try {
      this.kernels.work(CTRL_PTR, SCRATCH_BASE);
    } catch (e) {
      failure = e;
    }
    // Every job is taken: close the op to late workers, then wait for those inside it (also after
    // a failure: none may still write into the memory once run() returns).
    let active = Atomics.or(words, W.ACTIVE, CLOSED) | CLOSED;
    while (active !== CLOSED) {
      Atomics.wait(words, W.ACTIVE, active);
      active = Atomics.load(words, W.ACTIVE);
    }
    if (failure === undefined && Atomics.load(words, W.ERROR) !== 0) failure = new Error('a worker trapped');
    if (failure !== undefined) {
      throw new VggError('E_INTERNAL', `simd backend: kernel '${op}' failed: ${(failure as Error).message}`, {
        cause: failure,
      });
    }
  }

  /** Stops and terminates every worker; the team is unusable afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const words = new Int32Array(this.memory.buffer, CTRL_PTR, CTRL_WORDS);
    Atomics.store(words, W.STOP, 1);
    Atomics.add(words, W.GEN, 1);
    Atomics.notify(words, W.GEN);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

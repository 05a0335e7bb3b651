import { noticeOnce, platform, type PlatformWorker, type WasmMemory, type WasmModule, wasm } from '@vggscope/platform';
import { VggError } from '@vggscope/core';
import { ABI, abiHash, type OpArgs, type OpName } from './abi.js';
import { CLOSED, CTRL_PTR, CTRL_WORDS, MAX_THREADS, SCRATCH_BASE, SCRATCH_BYTES, W } from './control-block.js';
import { WORKER_BODY } from './worker-source.js';

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

  /** Runs `jobs` jobs of `op` with `args` (written as 32-bit words in ABI order; pointers unsigned) on every thread. */
  run<O extends OpName>(op: O, jobs: number, args: OpArgs<O>): void {
    if (this.closed) throw new VggError('E_USAGE', 'simd backend: used after close()');
    if (jobs <= 0) return;
    const words = new Int32Array(this.memory.buffer, CTRL_PTR, CTRL_WORDS);
    const { code, args: names } = ABI.ops[op];
    words[W.op] = code;
    words[W.jobs] = jobs;
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
    if (failure === undefined && Atomics.load(words, W.error) !== 0) failure = new Error('a worker trapped');
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
    Atomics.store(words, W.stop, 1);
    Atomics.add(words, W.gen, 1);
    Atomics.notify(words, W.gen);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

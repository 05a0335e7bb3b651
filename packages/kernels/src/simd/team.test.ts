import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimdBackend, type SimdBackend } from './simd-backend.js';
import { convCase } from './testdata/simd-test-data.js';
import { ARENA_BASE, SCRATCH_BASE } from './control-block.js';
import { Team } from './team.js';
import { ABI, abiHash } from './abi.js';
import { onNotice, type WasmModule } from '@vggscope/platform';
import { compileKernels, kernelMemory } from './wasm-module.js';

describe('simd thread team', () => {
  let backend: SimdBackend;
  beforeAll(async () => {
    backend = await createSimdBackend({ threads: 3 }); // more threads than this machine's 2 cores: workers wake late
  });
  afterAll(async () => {
    await backend.close();
  });

  it('gives bit-identical results over many short ops, however the jobs fall to threads', async () => {
    const { layer, weights, x } = convCase(19, 23, 16, 24, 42);
    const prepared = await backend.prepareLayer(layer, weights);
    const xi = await backend.input(x);
    const first = await backend.read(await backend.conv2dRelu(xi, prepared));
    for (let i = 0; i < 40; i++) {
      const y = await backend.conv2dRelu(xi, prepared);
      const pooled = await backend.maxPool2x2(y);
      const again = await backend.read(y);
      backend.dispose(pooled);
      backend.dispose(y);
      expect(again.data).toEqual(first.data);
    }
  });
});

describe('a kernel that traps on a worker', () => {
  it('says what trapped and how much memory that thread saw', async () => {
    const { module } = await compileKernels(true);
    const memory = kernelMemory(ARENA_BASE / 65536 + 1, ARENA_BASE / 65536 + 1, true); // one page above the scratch
    const team = await Team.start(module, memory, 2);
    try {
      await team.join();
      // Two jobs of one tile each: tile 1 reads image 1 at src + 2³¹ (out of bounds), tile 2 image 2 at src + 2³² ≡ src.
      const args = {
        src: ARENA_BASE,
        imageBytes: 2 ** 31,
        h: 4,
        w: 4,
        cp: 4,
        v: ARENA_BASE + 4096,
        tilesW: 2,
        tiles: 1,
      };
      team.post('winograd2Input', 2, { ...args, first: 1, count: 2, rows: 2, perJob: 1 });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300); // the worker takes job 0 meanwhile
      let message = '';
      try {
        team.flush();
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/kernel 'winograd2Input' failed: .*out of bounds/);
      // Unless this machine kept the worker from job 0 for 300 ms (then the main thread trapped itself):
      if (message.includes('worker'))
        expect(message).toMatch(/this thread sees \d+ bytes .*the main thread sees \d+ bytes/);
    } finally {
      await team.close();
    }
  });
});

/**
 * A kernels module whose jobs mark `done[j] = 1` on the main thread; on a worker a job sets
 * `done[-1] = 1` (so the test knows a worker took one) and traps (test only).
 */
async function workerTrappingModule(done: number): Promise<WebAssembly.Module> {
  const { default: asc } = await import('assemblyscript/asc');
  const source = `
export function abiHash(): u32 { return ${abiHash()}; }
export function memoryPages(): i32 { return memory.size(); }
export function work(ctrl: usize, scratch: usize): void {
  const jobs = load<i32>(ctrl + ${ABI.words.jobs * 4});
  while (true) {
    const j = atomic.add<i32>(ctrl + ${ABI.words.counter * 4}, 1);
    if (j >= jobs) break;
    if (scratch != ${SCRATCH_BASE}) {
      atomic.store<i32>(${done - 4}, 1);
      unreachable();
    }
    store<i32>(${done} + (<usize>j << 2), 1);
  }
}`;
  let binary: Uint8Array | undefined;
  const { error, stderr } = await asc.main(
    [
      't.ts',
      '--outFile',
      't.wasm',
      '--runtime',
      'stub',
      '--importMemory',
      '--sharedMemory',
      '--initialMemory',
      '1',
    ].concat(['--maximumMemory', '1024', '--noExportMemory', '--use', 'abort=', '--enable', 'threads']),
    {
      readFile: (name) => (name === 't.ts' ? source : null),
      writeFile: (name, bytes) => void (binary = bytes as Uint8Array),
    },
  );
  if (error || !binary) throw new Error(`${error?.message}: ${stderr.toString()}`);
  return new WebAssembly.Module(new Uint8Array(binary)); // a copy on an ArrayBuffer (the type a BufferSource wants)
}

describe('a job that fails on a worker only', () => {
  it('is run again on the main thread: the op completes, and a notice says what failed', async () => {
    const done = ARENA_BASE;
    const module = await workerTrappingModule(done);
    const memory = kernelMemory(ARENA_BASE / 65536 + 1, 1024, true);
    const team = await Team.start(module as unknown as WasmModule, memory, 2);
    const notices: string[] = [];
    onNotice((m) => notices.push(m));
    try {
      await team.join();
      team.post('maxPool', 64, { src: 0, h: 0, w: 0, cp: 0, dst: 0, perJob: 1 }); // any op: this module ignores its arguments
      // Wait (≤ 30 s, however slow the machine) until the worker has taken a job and trapped.
      const tookOne = new Int32Array(memory.buffer, done - 4, 1);
      for (let waited = 0; Atomics.load(tookOne, 0) === 0 && waited < 30_000; waited += 10)
        Atomics.wait(tookOne, 0, 0, 10);
      expect(Atomics.load(tookOne, 0)).toBe(1);
      team.flush();
      expect([...new Int32Array(memory.buffer, done, 64)]).toEqual(new Array(64).fill(1));
      expect(notices.join('\n')).toMatch(
        /kernel 'maxPool' failed on a worker thread \(unreachable.*run again on the main thread/,
      );
    } finally {
      onNotice((m) => console.warn(`vggscope: ${m}`));
      await team.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimdBackend, type SimdBackend } from './simd-backend.js';
import { convCase } from './testdata/simd-test-data.js';
import { ARENA_BASE } from './control-block.js';
import { Team } from './team.js';
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

import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isVggError } from '@vggscope/core';
import { describe, expect, it } from 'vitest';
import { createSimdBackend } from './simd-backend.js';
import { convCase, tensor } from './testdata/simd-test-data.js';

/** OS threads of this process (Linux): a worker that really ended is gone from here. */
function osThreads(): number {
  return Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
}

async function settle(want: number): Promise<number> {
  for (let i = 0; i < 50 && osThreads() !== want; i++) await sleep(20);
  return osThreads();
}

describe('simd backend lifecycle', () => {
  it('starts threads − 1 workers at creation and close() ends every one of them', async () => {
    await (await createSimdBackend({ threads: 2 })).close(); // V8's own lazily started threads first
    const before = await settle(osThreads());
    const backend = await createSimdBackend({ threads: 3 });
    expect(backend.threads).toBe(3);
    expect(osThreads()).toBeGreaterThanOrEqual(before + 2);
    await backend.close();
    expect(await settle(before)).toBe(before);
  });

  it('refuses every op after close() with E_USAGE', async () => {
    const backend = await createSimdBackend({ threads: 1 });
    await backend.close();
    expect(() => backend.input(tensor([1, 2, 2, 3], 1))).toThrow(/after close/);
  });

  it('reports a memory limit as E_OUT_OF_MEMORY, not a wasm trap', async () => {
    const backend = await createSimdBackend({ threads: 1, maxMemoryMiB: 64 });
    try {
      backend.input(tensor([1, 2048, 1024, 3], 1)); // 64 MiB once padded to 8 channels, over the limit
      expect.unreachable();
    } catch (e) {
      expect(isVggError(e, 'E_OUT_OF_MEMORY')).toBe(true);
    } finally {
      await backend.close();
    }
  });

  it('rejects weights whose shape does not match the layer with E_WEIGHTS_SHAPE', async () => {
    const backend = await createSimdBackend({ threads: 1 });
    const { layer, weights } = convCase(4, 4, 8, 16, 1);
    const wrong = { kernel: tensor([3, 3, 8, 12], 2), bias: weights.bias };
    try {
      expect(() => backend.prepareLayer(layer, wrong)).toThrow(/needs kernel \[3, 3, 8, 16\]/);
    } finally {
      await backend.close();
    }
  });

  it('validates threads', async () => {
    await expect(createSimdBackend({ threads: 0 })).rejects.toThrow(/threads must be a whole number/);
  });

  it('defaults threads to the available cores', async () => {
    const backend = await createSimdBackend();
    expect(backend.threads).toBe((await import('node:os')).availableParallelism());
    await backend.close();
  });
});

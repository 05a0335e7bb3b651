import { availableParallelism } from 'node:os';
import { isVggError, type Vgg } from '@vggscope/core';
import { synthPacked, tinyWeights, wavyInput } from '@vggscope/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVgg } from '../load-vgg.js';
import { VggPool } from './vgg-pool.js';

const MODEL = 'tiny-vgg16';

const SIZE: [number, number] = [32, 32];
const LAYERS = ['block2_pool', 'block3_pool'];
let weights: string;
let pool: VggPool;
let reference: Vgg;

beforeAll(async () => {
  weights = await tinyWeights('vgg16', 'packed');
  pool = await VggPool.create({
    model: MODEL,
    weights,
    layers: LAYERS,
    workers: 2,
    inputSize: SIZE,
    oversubscribe: true,
  });
  reference = await loadVgg({ model: MODEL, weights, inputSize: SIZE, layers: LAYERS });
});
afterAll(async () => {
  await pool.destroy();
  await reference.close();
});

const input = (i: number, n = 1) => wavyInput([n, SIZE[0], SIZE[1], 3], i);

describe('VggPool', () => {
  it('map keeps input order and matches the single-thread engine exactly', async () => {
    const seen: number[] = [];
    for await (const r of pool.map([0, 1, 2, 3, 4, 5, 6], async (i) => input(i))) {
      expect(r.error).toBeUndefined();
      const [ref] = await reference.extract(input(r.item), { layers: ['block3_pool'] });
      expect(r.outputs![1]!.layer).toBe('block3_pool');
      expect([...r.outputs![1]!.data]).toEqual([...ref!.data]);
      seen.push(r.item);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('run transfers the input buffer (detached afterwards) and returns Keras shapes', async () => {
    const batch = input(9, 3);
    const out = await pool.run(batch);
    expect(batch.data.byteLength).toBe(0);
    expect(out.map((o) => o.shape)).toEqual([
      [3, 8, 8, 8],
      [3, 4, 4, 8],
    ]);
  });

  it('runSplit spreads a batch over the workers and reassembles it in order', async () => {
    const batch = input(3, 5);
    const whole = await reference.extract(
      { data: batch.data.slice(), shape: batch.shape },
      { layers: ['block2_pool'] },
    );
    const split = await pool.runSplit(batch);
    expect(split[0]!.shape).toEqual([5, 8, 8, 8]);
    expect([...split[0]!.data]).toEqual([...whole[0]!.data]);
  });

  it('a worker that throws fails only its task, with the typed error, and the pool goes on', async () => {
    const err = await pool.run({ data: new Float32Array(10 * 10 * 3), shape: [1, 10, 10, 3] }).catch((e: unknown) => e);
    expect(isVggError(err, 'E_INPUT_SHAPE')).toBe(true);
    expect((err as Error).message).toContain('the input must be [N, 32, 32, 3]');
    await expect(pool.run(input(1))).resolves.toHaveLength(2);
  });

  it('backpressure: a slow consumer bounds how many inputs are read and in flight', async () => {
    const fresh = await VggPool.create({
      model: MODEL,
      weights,
      layers: LAYERS,
      workers: 2,
      inputSize: SIZE,
      oversubscribe: true,
    });
    expect(fresh.peakInFlight).toBe(0); // the start-up handshake is not counted
    let read = 0;
    let consumed = 0;
    let maxAhead = 0;
    function* items() {
      for (let i = 0; i < 12; i++) {
        read++;
        maxAhead = Math.max(maxAhead, read - consumed);
        yield i;
      }
    }
    try {
      for await (const r of fresh.map(items(), async (i) => input(i), { maxInFlight: 3 })) {
        expect(r.error).toBeUndefined();
        await new Promise((res) => setTimeout(res, 30));
        consumed++;
      }
    } finally {
      await fresh.destroy();
    }
    expect(consumed).toBe(12);
    expect(maxAhead).toBeLessThanOrEqual(4); // 3 in flight + the one being handed over
    expect(fresh.inFlight).toBe(0);
    expect(fresh.peakInFlight).toBeLessThanOrEqual(3);
    expect(fresh.peakInFlight).toBeGreaterThanOrEqual(2); // the bound was actually reached, not trivially met
  });
});

describe('VggPool failures', () => {
  it('a worker killed mid-batch fails only its task with a clear error; the pool replaces it', async () => {
    // Real widths here: a tiny model finishes before the worker can be killed mid-batch.
    const real = await synthPacked('vgg16');
    const p = await VggPool.create({
      weights: real,
      layers: ['block5_pool'],
      workers: 2,
      inputSize: [96, 96],
      oversubscribe: true,
    });
    try {
      await p.run(wavyInput([1, 96, 96, 3])); // both... at least one worker warmed up
      const running = [p.run(wavyInput([2, 96, 96, 3], 1)), p.run(wavyInput([2, 96, 96, 3], 2))];
      // Kill as soon as both tasks are on a worker (one each: two idle workers), not after a guessed delay.
      for (let waited = 0; p.queued > 0 && waited < 10_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
      expect(p.queued).toBe(0);
      await p.threads[0]!.terminate();
      const results = await Promise.allSettled(running);
      const failed = results.filter((r) => r.status === 'rejected');
      expect(failed).toHaveLength(1);
      expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({
        code: 'E_WORKER',
        message: expect.stringContaining('a worker died while computing this batch'),
      });
      await expect(p.run(wavyInput([1, 96, 96, 3]))).resolves.toHaveLength(1);
    } finally {
      await p.destroy();
    }
    expect(p.threads).toHaveLength(0);
  });

  it('cancellation: aborting rejects the pending tasks; destroy leaves no threads', async () => {
    const p = await VggPool.create({ model: MODEL, weights, layers: ['block5_pool'], workers: 1, inputSize: [64, 64] });
    const ac = new AbortController();
    const tasks = [0, 1, 2].map((i) => p.run(wavyInput([1, 64, 64, 3], i), ac.signal));
    ac.abort();
    const results = await Promise.allSettled(tasks);
    expect(results.some((r) => r.status === 'rejected' && /cancelled/.test(String((r.reason as Error).message)))).toBe(
      true,
    );
    await p.destroy();
    expect(p.threads).toHaveLength(0);
  });

  it('start-up handshake: weights that cannot be loaded reject create() with the typed error', async () => {
    await expect(
      VggPool.create({
        model: MODEL,
        weights: '/nonexistent/w.vggw',
        workers: 2,
        inputSize: SIZE,
        oversubscribe: true,
      }),
    ).rejects.toMatchObject({
      code: 'E_WEIGHTS_NOT_FOUND',
    });
  });

  it('start-up handshake: weights of another model reject create() with E_WEIGHTS_MODEL', async () => {
    const vgg19 = await tinyWeights('vgg19', 'packed');
    await expect(VggPool.create({ model: MODEL, weights: vgg19, workers: 1, inputSize: SIZE })).rejects.toMatchObject({
      code: 'E_WEIGHTS_MODEL',
      message: expect.stringContaining('holds vgg19 weights'),
    });
  });

  it('workers × threads never exceed the cores unless told: the pool caps and says so', async () => {
    const cores = availableParallelism();
    const p = await VggPool.create({ model: MODEL, weights, workers: cores + 3, inputSize: SIZE });
    try {
      expect(p.workers).toBe(cores);
      expect(p.capped).toEqual({ requested: cores + 3, cores });
    } finally {
      await p.destroy();
    }
  });
});

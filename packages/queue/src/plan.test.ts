import { describe, expect, it } from 'vitest';
import { planRun, shardItems, type QueueModelConfig } from './plan.js';
import { redisOptions } from './redis.js';

const config: QueueModelConfig = {
  model: 'vgg16',
  includeTop: false,
  pooling: 'avg',
  inputSize: [224, 224],
  layers: ['global_average_pooling2d'],
};
const images = Array.from({ length: 10 }, (_, i) => `/photos/p${i}.jpg`);

describe('planRun (shards and idempotent ids)', () => {
  it('10 images, shard 4 → shards of [4, 4, 2] in order, ids stable across calls', () => {
    const a = planRun(images, config, '/out', 4);
    expect(a.shards.map((s) => s.data.paths.length)).toEqual([4, 4, 2]);
    expect(a.shards[0]!.data).toMatchObject({ root: '/photos/', paths: ['p0.jpg', 'p1.jpg', 'p2.jpg', 'p3.jpg'] });
    expect(a.shards[0]!.data.names).toBeUndefined();
    expect(a.shards.flatMap((s) => shardItems(s.data).map((i) => i.image))).toEqual(images);
    expect(planRun(images, { ...config }, '/out', 4)).toEqual(a);
    expect(new Set(a.shards.map((s) => s.jobId)).size).toBe(3);
    expect(a.shards[0]!.jobId).toMatch(new RegExp(`^${a.runId}-000000-[0-9a-f]{12}$`));
  });

  it('another layer, output folder or image list → other ids; key order does not matter', () => {
    const a = planRun(images, config, '/out', 4);
    expect(planRun(images, { ...config, layers: ['block5_pool'] }, '/out', 4).runId).not.toBe(a.runId);
    expect(planRun(images, config, '/out2', 4).runId).not.toBe(a.runId);
    expect(planRun(images.slice(1), config, '/out', 4).shards[0]!.jobId).not.toBe(a.shards[0]!.jobId);
    const reordered = {
      layers: config.layers,
      inputSize: config.inputSize,
      pooling: config.pooling,
      includeTop: false,
      model: 'vgg16',
    } as QueueModelConfig;
    expect(planRun(images, reordered, '/out', 4).runId).toBe(a.runId);
  });

  it('the config travels in every job; outputs keyed as folder mode keys them (relative paths, never colliding)', () => {
    const p = planRun(['/a/x.png', '/b/x.jpg', '/c/y.png'], config, '/out', 2);
    expect(p.shards[0]!.data).toMatchObject({ v: 1, seq: 0, shards: 2, outDir: '/out', config });
    expect(p.shards.flatMap((s) => shardItems(s.data).map((i) => i.name))).toEqual(['a/x', 'b/x', 'c/y']);
    expect(p.shards.flatMap((s) => shardItems(s.data).map((i) => i.image))).toEqual([
      '/a/x.png',
      '/b/x.jpg',
      '/c/y.png',
    ]);
    expect(p.shards[0]!.data).toMatchObject({
      root: '/',
      paths: ['a/x.png', 'b/x.jpg'],
      names: { 0: 'a/x', 1: 'b/x' },
    });
  });
});

describe('redisOptions (URL checks before any connection)', () => {
  it('redis://:pw@host:6380/2 → host, port, password, db', () => {
    expect(redisOptions('redis://:s%40cret@cache.local:6380/2')).toMatchObject({
      host: 'cache.local',
      port: 6380,
      password: 's@cret',
      db: 2,
    });
    expect(redisOptions('rediss://h')).toMatchObject({ host: 'h', port: 6379, tls: {} });
  });

  it.each([
    ['http://h:6379', /scheme 'http'/],
    ['redis://h/x', /database 'x'/],
    ['localhost:6379', /scheme 'localhost'/],
    ['::', /not a URL/],
  ])('%s → E_QUEUE', (url, msg) => {
    expect(() => redisOptions(url)).toThrow(
      expect.objectContaining({ code: 'E_QUEUE', message: expect.stringMatching(msg) }),
    );
  });
});

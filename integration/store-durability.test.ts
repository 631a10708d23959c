/**
 * The Redis store's durability check against real servers: only AOF with `appendfsync always` and
 * no eviction counts as durable, since an evicting `maxmemory-policy` drops acknowledged keys.
 */
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisStore } from '../actors/apiserver/store/redis/store.js';
import { uniquePrefix } from './cluster.js';
import { describeWithServices, type ServerHandle, servicesOrSkip, startRedis } from './harness.js';

const skip = await servicesOrSkip({ redis: 'private' });

describeWithServices('Redis store durability check', skip, () => {
  let redis: ServerHandle;
  let store: RedisStore;
  beforeAll(async () => {
    redis = await startRedis({ appendonly: true, appendfsync: 'always' });
    store = await RedisStore.open({
      url: redis.url,
      prefix: uniquePrefix('durable'),
      log: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await store.close();
    await redis.dispose();
  });

  it.each([
    ['noeviction', true],
    ['allkeys-lru', false],
    ['allkeys-random', false],
    ['volatile-lru', false],
    ['volatile-ttl', false],
  ])('maxmemory-policy %s: durable %s', async (policy, durable) => {
    const admin = new Redis(redis.url);
    await admin.config('SET', 'maxmemory-policy', policy);
    admin.disconnect();
    const result = await store.durability();
    expect(result.durable).toBe(durable);
    expect(result.detail).toContain(`maxmemory-policy=${policy}`);
  });
});

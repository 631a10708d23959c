import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { describeStoreContract } from '../actors/apiserver/store/contract.js';
import { RedisStore } from '../actors/apiserver/store/redis/store.js';
import { removeKeys } from './cluster.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describeStoreContract('redis', async (options) => {
  const prefix = `test-${randomUUID()}`;
  const store = await RedisStore.open({ url, prefix, log: pino({ level: 'silent' }), ...options });
  return {
    store,
    async cleanup() {
      await store.close();
      await removeKeys(url, prefix);
    },
  };
});

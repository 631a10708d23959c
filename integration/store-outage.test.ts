/**
 * A Redis outage: requests get a retryable error (503 ServiceUnavailable) instead of hanging or
 * losing anything, and the API server serves again once Redis is back, with every acknowledged
 * write still there (Redis with AOF, fsync on every write).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import { ApiError } from '../protocol/errors.js';
import { TestCluster } from './cluster.js';
import {
  describeWithServices,
  type ServerHandle,
  type SharedServices,
  servicesOrSkip,
  sharedServices,
  startRedis,
} from './harness.js';

const skip = await servicesOrSkip({ nats: 'shared', redis: 'faults' });

const cm = (name: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default' },
});

describeWithServices('Redis outage', skip, () => {
  let services: SharedServices;
  let redis: ServerHandle;
  let cluster: TestCluster;

  beforeAll(async () => {
    services = await sharedServices({ nats: true });
    redis = await startRedis({ appendonly: true, appendfsync: 'always' });
    cluster = await TestCluster.start('outage', { natsUrl: services.nats?.url ?? '', redisUrl: redis.url });
  });
  afterAll(async () => {
    await cluster.dispose().catch((err: unknown) => process.stderr.write(`cleanup: ${String(err)}\n`));
    await redis.dispose();
    await services.dispose();
  });

  it('answers 503 while Redis is down and recovers with every acknowledged write', async () => {
    const { client } = await cluster.client();
    const durability = cluster.replicas[0]?.server.durability;
    expect(durability).toMatchObject({ durable: true });
    for (let i = 0; i < 20; i++) await client.create('configmaps', cm(`before-${i}`));

    await redis.kill();
    const failure = await client.create('configmaps', cm('during')).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ code: 503, reason: 'ServiceUnavailable' });
    expect((failure as ApiError).retryable).toBe(true);

    await redis.restart();
    await waitFor(async () => expect(await client.create('configmaps', cm('after'))).toBeDefined(), {
      timeoutMs: 20_000,
    });
    const names = (await client.listAll<{ metadata: { name: string } }>('configmaps')).items.map(
      (o) => o.metadata.name,
    );
    for (let i = 0; i < 20; i++) expect(names).toContain(`before-${i}`);
    expect(names).toContain('after');
  });
});

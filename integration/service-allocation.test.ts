/**
 * Service allocation across API server replicas on real NATS and Redis: Services created at once,
 * spread over two replicas by the bus's queue group, in ranges small enough that random picks
 * collide often, never share a cluster IP or a NodePort (the store's claims decide, atomically
 * with each write).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Service } from '../protocol/resources/service.js';
import { TestCluster } from './cluster.js';
import { describeWithServices, type SharedServices, servicesOrSkip, sharedServices } from './harness.js';

const skip = await servicesOrSkip({ nats: 'shared', redis: 'shared' });

describeWithServices('Service allocation across replicas (NATS + Redis)', skip, () => {
  let services: SharedServices;
  let cluster: TestCluster;

  beforeAll(async () => {
    services = await sharedServices();
    cluster = await TestCluster.start('alloc', {
      natsUrl: services.nats?.url ?? '',
      redisUrl: services.redis?.url ?? '',
      replicas: 2,
      // 62 usable addresses and 64 node ports for 40 Services: collisions are the rule, not luck.
      server: { serviceRanges: { clusterIPRange: '127.78.0.0/26', nodePorts: { min: 31000, max: 31063 } } },
    });
  });
  afterAll(async () => {
    await cluster?.dispose();
    await services.dispose();
  });

  it('40 NodePort Services created at once on two replicas never share a cluster IP or a NodePort', async () => {
    const clients = await Promise.all([
      cluster.client(),
      cluster.client(),
      cluster.client(),
      cluster.client(),
    ]);
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (clients[i % clients.length]?.client ?? clients[0]?.client)?.create('services', {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: `s${i}`, namespace: 'default' },
          spec: { type: 'NodePort', selector: { app: `s${i}` }, ports: [{ port: 80 }] },
        } as unknown as Service),
      ),
    );
    const ips = created.map((s) => s?.spec.clusterIP);
    const ports = created.map((s) => s?.spec.ports?.[0]?.nodePort);
    expect(new Set(ips).size).toBe(40);
    expect(new Set(ports).size).toBe(40);
    for (const ip of ips) expect(ip).toMatch(/^127\.78\.0\.([1-9]|[1-5]\d|6[0-2])$/);
  });
});

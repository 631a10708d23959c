import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isReason } from '../../protocol/errors.js';
import type { Service } from '../../protocol/resources/service.js';
import { allocate, claimsOf, defaultServiceRanges } from './allocation.js';
import { type InProcessCluster, startInProcessCluster } from './testing/cluster.js';

const svc = (name: string, spec: Record<string, unknown> = {}) =>
  ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80 }], ...spec },
  }) as unknown as Service;

describe('allocate (pure)', () => {
  it('picks cluster IPs inside the range, never its first or last address', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.9999999, noNaN: true }), (r) => {
        const { object, picked } = allocate(svc('a') as never, undefined, defaultServiceRanges, () => r);
        const ip = (object as unknown as Service).spec.clusterIP as string;
        const [a, b, c, d] = ip.split('.').map(Number);
        expect([a, b]).toEqual([127, 77]);
        expect((c as number) * 256 + (d as number)).toBeGreaterThan(0);
        expect((c as number) * 256 + (d as number)).toBeLessThan(65535);
        expect([...picked]).toEqual([`services/clusterip/${ip}`]);
      }),
    );
  });

  it('keeps what the previous version holds when an update leaves it out', () => {
    const old = svc('a', {
      type: 'NodePort',
      clusterIP: '127.77.1.2',
      ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }],
    });
    const { object, picked } = allocate(
      svc('a', { type: 'NodePort', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }) as never,
      old as never,
      defaultServiceRanges,
      Math.random,
    );
    expect((object as unknown as Service).spec).toMatchObject({
      clusterIP: '127.77.1.2',
      ports: [{ nodePort: 30080 }],
    });
    expect(picked.size).toBe(0);
    expect(claimsOf(object)).toEqual(['services/clusterip/127.77.1.2', 'services/nodeport/30080']);
  });

  it.each([
    ['a cluster IP outside the range', { clusterIP: '127.0.0.5' }, 'spec.clusterIPs'],
    [
      'a node port outside the range',
      { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 8080 }] },
      'spec.ports[0].nodePort',
    ],
  ])('refuses %s with the field path', (_, spec, field) => {
    let caught: unknown;
    try {
      allocate(svc('a', spec) as never, undefined, defaultServiceRanges, Math.random);
    } catch (err) {
      caught = err;
    }
    expect(isReason(caught, 'Invalid')).toBe(true);
    expect(
      (caught as { status: { details: { causes: { field: string }[] } } }).status.details.causes[0]?.field,
    ).toBe(field);
  });

  it('allocates nothing for a headless or ExternalName Service', () => {
    expect(
      claimsOf(
        allocate(svc('h', { clusterIP: 'None' }) as never, undefined, defaultServiceRanges, Math.random)
          .object,
      ),
    ).toEqual([]);
    expect(
      claimsOf(
        allocate(
          svc('x', { type: 'ExternalName', externalName: 'db.example.com', selector: undefined }) as never,
          undefined,
          defaultServiceRanges,
          Math.random,
        ).object,
      ),
    ).toEqual([]);
  });
});

describe('Service allocation through the API', () => {
  let cluster: InProcessCluster;
  beforeEach(async () => {
    cluster = await startInProcessCluster();
  });
  afterEach(async () => {
    await cluster.stop();
  });
  const create = (s: Service) => cluster.client.create('services', s);
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => e as Error,
    );

  it('gives each Service its own cluster IP and NodePort; a requested one is honoured or refused; deletion frees them', async () => {
    const a = await create(svc('a', { type: 'NodePort' }));
    expect(a.spec.clusterIP).toMatch(/^127\.77\.\d+\.\d+$/);
    expect(a.spec.clusterIPs).toEqual([a.spec.clusterIP]);
    expect(a.spec.ports?.[0]?.nodePort).toBeGreaterThanOrEqual(30000);
    expect(a.spec.ports?.[0]?.nodePort).toBeLessThanOrEqual(32767);

    const taken = await failure(create(svc('b', { clusterIP: a.spec.clusterIP })));
    expect(taken?.message).toBe(
      `Service "b" is invalid: spec.clusterIPs: Invalid value: ["${a.spec.clusterIP}"]: failed to allocate IP ${a.spec.clusterIP}: provided IP is already allocated`,
    );
    const portTaken = await failure(
      create(svc('c', { type: 'NodePort', ports: [{ port: 80, nodePort: a.spec.ports?.[0]?.nodePort }] })),
    );
    expect(portTaken?.message).toBe(
      `Service "c" is invalid: spec.ports[0].nodePort: Invalid value: ${a.spec.ports?.[0]?.nodePort}: provided port is already allocated`,
    );
    expect((await cluster.client.list('services', { namespace: 'default' })).items).toHaveLength(1);

    const requested = await create(svc('d', { clusterIP: '127.77.200.9' }));
    expect(requested.spec.clusterIP).toBe('127.77.200.9');
    expect((await create(svc('headless', { clusterIP: 'None' }))).spec.clusterIP).toBe('None');

    await cluster.client.delete('services', 'default', 'a');
    const again = await create(
      svc('e', {
        type: 'NodePort',
        clusterIP: a.spec.clusterIP,
        ports: [{ port: 80, nodePort: a.spec.ports?.[0]?.nodePort }],
      }),
    );
    expect(again.spec.clusterIP).toBe(a.spec.clusterIP);
  });

  it('an update keeps the cluster IP, allocates node ports when the type becomes NodePort, and gives them back after', async () => {
    const a = await create(svc('a'));
    expect(a.spec.ports?.[0]?.nodePort).toBeUndefined();
    const asNodePort = await cluster.client.update('services', {
      ...a,
      spec: { ...a.spec, type: 'NodePort', clusterIP: undefined, clusterIPs: undefined },
    } as Service);
    expect(asNodePort.spec.clusterIP).toBe(a.spec.clusterIP);
    const port = asNodePort.spec.ports?.[0]?.nodePort as number;
    expect(port).toBeGreaterThanOrEqual(30000);
    const back = await cluster.client.update('services', {
      ...asNodePort,
      spec: {
        ...asNodePort.spec,
        type: 'ClusterIP',
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }],
      },
    } as Service);
    expect(back.spec.ports?.[0]?.nodePort).toBeUndefined();
    expect(
      (await create(svc('b', { type: 'NodePort', ports: [{ port: 80, nodePort: port }] }))).spec.ports?.[0]
        ?.nodePort,
    ).toBe(port);
  });

  it('never hands out one value twice, even in a range with room for few (random picks collide and are picked again)', async () => {
    // 30 usable addresses and 40 ports for 20 Services: the late ones collide almost every pick.
    const small = await startInProcessCluster({
      serviceRanges: { clusterIPRange: '127.78.0.0/27', nodePorts: { min: 31000, max: 31039 } },
    });
    try {
      const created = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          small.client.create('services', svc(`s${i}`, { type: 'NodePort' })),
        ),
      );
      expect(new Set(created.map((s) => s.spec.clusterIP)).size).toBe(20);
      expect(new Set(created.map((s) => s.spec.ports?.[0]?.nodePort)).size).toBe(20);
    } finally {
      await small.stop();
    }
  });
});

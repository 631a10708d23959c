import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Endpoints } from '../../protocol/resources/endpoints.js';
import type { Service } from '../../protocol/resources/service.js';
import { buildServiceTable, listenAddresses, readyTargets } from './service-table.js';

function service(name: string, spec: Partial<Service['spec']>): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'default', name },
    spec: { type: 'ClusterIP', sessionAffinity: 'None', ...spec },
  } as Service;
}

function endpoints(name: string, subsets: Endpoints['subsets']): Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { namespace: 'default', name },
    subsets,
  } as Endpoints;
}

const web = endpoints('web', [
  {
    addresses: [{ ip: '127.0.0.1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a' } }],
    notReadyAddresses: [{ ip: '127.0.0.2' }],
    ports: [{ name: 'http', port: 41000, protocol: 'TCP' }],
  },
  { addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'http', port: 41001, protocol: 'TCP' }] },
]);

describe('buildServiceTable', () => {
  it.each([
    {
      name: 'a ClusterIP port with its ready endpoints (not the unready)',
      svc: service('web', {
        clusterIP: '127.77.0.5',
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
      }),
      expected: [
        {
          key: 'default/web:http/TCP',
          clusterIP: '127.77.0.5',
          port: 80,
          endpoints: [
            { ip: '127.0.0.1', port: 41000, pod: 'default/a' },
            { ip: '127.0.0.1', port: 41001 },
          ],
        },
      ],
    },
    {
      name: 'a NodePort Service: the nodePort too',
      svc: service('web', {
        type: 'NodePort',
        clusterIP: '127.77.0.5',
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30080 }],
      }),
      expected: [{ key: 'default/web:http/TCP', nodePort: 30080 }],
    },
    {
      name: 'no clusterIP yet and no NodePort: nothing',
      svc: service('web', { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] }),
      expected: [],
    },
    {
      name: 'headless: nothing',
      svc: service('web', {
        clusterIP: 'None',
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }],
      }),
      expected: [],
    },
    {
      name: 'ExternalName: nothing',
      svc: service('web', { type: 'ExternalName', externalName: 'example.com' }),
      expected: [],
    },
    {
      name: 'no Endpoints: a port with no endpoints (it refuses)',
      svc: service('other', {
        clusterIP: '127.77.0.6',
        ports: [{ port: 53, protocol: 'UDP', targetPort: 53 }],
      }),
      expected: [{ key: 'default/other:53/UDP', protocol: 'UDP', endpoints: [] }],
    },
  ])('$name', ({ svc, expected }) => {
    const table = buildServiceTable([svc], [web]);
    expect([...table.values()]).toMatchObject(expected);
    expect(table.size).toBe(expected.length);
  });

  it('an unnamed Service port matches the unnamed endpoint port of its protocol only', () => {
    const eps = endpoints('dns', [
      {
        addresses: [{ ip: '127.0.0.1' }],
        ports: [
          { port: 5353, protocol: 'UDP' },
          { port: 5354, protocol: 'TCP' },
        ],
      },
    ]);
    expect(readyTargets(eps, '', 'UDP')).toEqual([{ ip: '127.0.0.1', port: 5353 }]);
    expect(readyTargets(eps, 'x', 'UDP')).toEqual([]);
  });

  it('listens on clusterIP:port in pods, and also on the NodePort on the node', () => {
    const [entry] = buildServiceTable(
      [
        service('web', {
          type: 'NodePort',
          clusterIP: '127.77.0.5',
          ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30080 }],
        }),
      ],
      [],
    ).values();
    expect(listenAddresses(entry!, 'node', '0.0.0.0')).toEqual([
      { address: '127.77.0.5', port: 80, protocol: 'TCP' },
      { address: '0.0.0.0', port: 30080, protocol: 'TCP' },
    ]);
    expect(listenAddresses(entry!, 'pod', '0.0.0.0')).toEqual([
      { address: '127.77.0.5', port: 80, protocol: 'TCP' },
    ]);
  });

  it('property: endpoints are exactly the ready addresses of the matching port, sorted and unique', () => {
    const address = fc.record({ ip: fc.constantFrom('127.0.0.1', '127.0.0.2', '10.0.0.1') });
    const subset = fc.record({
      addresses: fc.array(address, { maxLength: 3 }),
      notReadyAddresses: fc.array(address, { maxLength: 2 }),
      ports: fc.constant(null).map(() => [{ name: 'http', port: 41000, protocol: 'TCP' as const }]),
    });
    fc.assert(
      fc.property(fc.array(subset, { maxLength: 4 }), (subsets) => {
        const targets = readyTargets(endpoints('web', subsets), 'http', 'TCP');
        const expected = [...new Set(subsets.flatMap((s) => s.addresses.map((a) => a.ip)))].sort();
        expect(targets.map((t) => t.ip)).toEqual(expected);
      }),
    );
  });
});

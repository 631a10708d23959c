import { describe, expect, it } from 'vitest';
import { makePod, makeReplicaSet } from '../../../protocol/testing/builders.js';
import { DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST, newPodInfo } from './pod-info.js';

const Mi = 1024 * 1024;

describe('newPodInfo', () => {
  it.each([
    {
      name: 'requests in millicores and bytes',
      pod: makePod('p').requests({ cpu: '250m', memory: '64Mi' }),
      cpu: 250,
      memory: 64 * Mi,
    },
    {
      name: 'requests defaulted from limits',
      pod: makePod('p').limits({ cpu: '2', memory: '1Gi' }),
      cpu: 2000,
      memory: 1024 * Mi,
    },
    {
      name: 'app containers sum',
      pod: makePod('p')
        .requests({ cpu: '1' })
        .container({ name: 'b', image: 'x:1', resources: { requests: { cpu: '500m' } } }),
      cpu: 1500,
      memory: 0,
    },
    {
      name: 'an init container raises a resource to its own request',
      pod: makePod('p')
        .requests({ cpu: '1', memory: '1Gi' })
        .initContainer({ name: 'i', image: 'x:1', resources: { requests: { cpu: '3', memory: '1Mi' } } }),
      cpu: 3000,
      memory: 1024 * Mi,
    },
    { name: 'no requests', pod: makePod('p'), cpu: 0, memory: 0 },
  ])('$name', ({ pod, cpu, memory }) => {
    const info = newPodInfo(pod.obj());
    expect(info.requests.milliCpu).toBe(cpu);
    expect(info.requests.memory).toBe(memory);
  });

  it('counts 100m / 200Mi for containers without requests, for scoring only', () => {
    const info = newPodInfo(makePod('p').requests({ cpu: '1' }).container({ name: 'b', image: 'x:1' }).obj());
    expect(info.requests).toMatchObject({ milliCpu: 1000, memory: 0 });
    expect(info.nonZeroRequests).toMatchObject({
      milliCpu: 1000 + DEFAULT_MILLI_CPU_REQUEST,
      memory: 2 * DEFAULT_MEMORY_REQUEST,
    });
  });

  it('collects host ports with 0.0.0.0 as the default address', () => {
    const info = newPodInfo(
      makePod('p')
        .ports(
          80,
          { containerPort: 53, hostPort: 53, protocol: 'UDP', hostIP: '10.0.0.1' },
          { containerPort: 8080, hostPort: 9090 },
        )
        .obj(),
    );
    expect(info.hostPorts).toEqual([
      { protocol: 'UDP', hostIP: '10.0.0.1', port: 53 },
      { protocol: 'TCP', hostIP: '0.0.0.0', port: 9090 },
    ]);
  });

  it('keeps key, owner, priority and extended resources', () => {
    const rs = makeReplicaSet('web').obj();
    const info = newPodInfo(
      makePod('web-1').namespace('prod').ownedBy(rs).priority(7).requests({ 'example.com/gpu': '2' }).obj(),
    );
    expect(info).toMatchObject({
      key: 'prod/web-1',
      ownerUid: rs.metadata.uid,
      priority: 7,
      nodeName: undefined,
    });
    expect(info.requests.scalars).toEqual([{ name: 'example.com/gpu', amount: 2 }]);
  });

  it('reuses the parsed requests of the same pod', () => {
    const pod = makePod('p').requests({ cpu: '1' }).obj();
    const first = newPodInfo(pod);
    const relabelled = newPodInfo({ ...pod, metadata: { ...pod.metadata, labels: { a: 'b' } } }, first);
    expect(relabelled.requests).toBe(first.requests);
    expect(relabelled.labels).toEqual({ a: 'b' });
  });
});

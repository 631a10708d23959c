import { describe, expect, it } from 'vitest';
import type { ContainerPortInput } from '../../../../protocol/resources/container.js';
import { makeNode, makePod } from '../../../../protocol/testing/builders.js';
import { cacheOf, nodeInfoOf, runFilter } from '../../testing/fixtures.js';
import { create, ERR_REASON, NAME } from './node-ports.js';

const port = (hostPort: number, extra: Partial<ContainerPortInput> = {}): ContainerPortInput => ({
  containerPort: hostPort,
  hostPort,
  ...extra,
});

describe(NAME, () => {
  it.each<{ name: string; used: ContainerPortInput[]; wanted: ContainerPortInput[]; fits: boolean }>([
    { name: 'pod without host ports', used: [port(80)], wanted: [{ containerPort: 80 }], fits: true },
    { name: 'free port', used: [port(80)], wanted: [port(8080)], fits: true },
    { name: 'same port, both on every address', used: [port(80)], wanted: [port(80)], fits: false },
    {
      name: 'same port, other protocol',
      used: [port(53, { protocol: 'UDP' })],
      wanted: [port(53, { protocol: 'TCP' })],
      fits: true,
    },
    {
      name: 'same port on two distinct addresses',
      used: [port(80, { hostIP: '10.0.0.1' })],
      wanted: [port(80, { hostIP: '10.0.0.2' })],
      fits: true,
    },
    {
      name: 'same port on the same address',
      used: [port(80, { hostIP: '10.0.0.1' })],
      wanted: [port(80, { hostIP: '10.0.0.1' })],
      fits: false,
    },
    {
      name: 'wanted on 0.0.0.0, used on one address',
      used: [port(80, { hostIP: '10.0.0.1' })],
      wanted: [port(80)],
      fits: false,
    },
    {
      name: 'wanted on one address, used on 0.0.0.0',
      used: [port(80, { hostIP: '0.0.0.0' })],
      wanted: [port(80, { hostIP: '10.0.0.1' })],
      fits: false,
    },
    { name: 'one of several ports taken', used: [port(443)], wanted: [port(80), port(443)], fits: false },
  ])('$name', ({ used, wanted, fits }) => {
    const existing = makePod('existing')
      .node('n1')
      .ports(...used)
      .obj();
    const node = nodeInfoOf(makeNode('n1').obj(), [existing]);
    const status = runFilter(
      create(),
      makePod('p')
        .ports(...wanted)
        .obj(),
      node,
    );
    if (fits) expect(status.code).toBe('Success');
    else expect(status).toEqual({ code: 'Unschedulable', reasons: [ERR_REASON] });
  });

  it('frees a port when the pod holding it goes', () => {
    const existing = makePod('existing').node('n1').ports(port(80)).obj();
    const { cache, snapshot } = cacheOf([makeNode('n1').obj()], [existing]);
    const wanting = makePod('p').ports(port(80)).obj();
    expect(runFilter(create(), wanting, snapshot.get('n1')!).code).toBe('Unschedulable');
    cache.removePod(existing);
    expect(runFilter(create(), wanting, snapshot.get('n1')!).code).toBe('Success');
  });
});

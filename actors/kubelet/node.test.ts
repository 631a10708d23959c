import { describe, expect, it } from 'vitest';
import { hostFacts, newNode, nodeStatus, nodeStatusChanged } from './node.js';

const facts = hostFacts('n1', 'hollow 0.1', 'v0.1.0', {
  cpuMillis: 4000,
  memoryBytes: 8 * 1024 ** 3,
  hostname: 'h',
  os: 'linux',
  arch: 'amd64',
});

describe('the node a kubelet introduces', () => {
  it('carries capacity, allocatable, addresses, labels and the Ready condition', () => {
    const node = newNode(facts, Date.UTC(2026, 0, 1));
    expect(node.metadata.labels).toEqual({
      'kubernetes.io/hostname': 'n1',
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
    });
    expect(node.status).toMatchObject({
      capacity: { cpu: '4000m', memory: '8388608Ki', pods: '110' },
      allocatable: { cpu: '4000m', memory: '8388608Ki', pods: '110' },
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: 'h' },
      ],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
      nodeInfo: {
        containerRuntimeVersion: 'hollow 0.1',
        kubeletVersion: 'v0.1.0',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    });
  });

  it('counts a heartbeat as no change, and a capacity change as one', () => {
    const first = nodeStatus(facts, 1_000);
    const later = nodeStatus(facts, 61_000, first);
    expect(nodeStatusChanged(first, later)).toBe(false);
    expect(later.conditions?.[0]?.lastTransitionTime).toBe(first.conditions?.[0]?.lastTransitionTime);
    expect(nodeStatusChanged(first, nodeStatus({ ...facts, pods: 20 }, 61_000, first))).toBe(true);
  });
});

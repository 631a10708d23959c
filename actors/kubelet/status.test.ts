import { describe, expect, it } from 'vitest';
import type { Pod } from '../../protocol/resources/pod.js';
import { makePod } from '../../protocol/testing/pod-builders.js';
import type { RuntimeContainerStatus } from './runtimes/runtime.js';
import { calculatePodStatus, type PodStatusInputs } from './status.js';

const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);
const base = makePod('web').node('n1').obj() as Pod;
const name = base.spec.containers[0]?.name as string;
const run = (over: Partial<RuntimeContainerStatus>): RuntimeContainerStatus => ({
  id: `id${over.attempt ?? 0}`,
  sandboxId: 's',
  podUid: 'u',
  name,
  attempt: 0,
  image: 'busybox',
  state: 'running',
  createdAt: NOW - 5_000,
  startedAt: NOW - 5_000,
  ...over,
});
const status = (over: Partial<PodStatusInputs>) =>
  calculatePodStatus({
    pod: base,
    containers: [],
    runtime: 'hollow',
    hostIP: '127.0.0.1',
    now: NOW,
    backingOff: new Map(),
    waiting: new Map(),
    ...over,
  });
const condition = (s: ReturnType<typeof status>, type: string) =>
  s.conditions?.find((c) => c.type === type)?.status;

describe('calculatePodStatus', () => {
  it('reports each declared port the sandbox publishes, named after its container port', () => {
    const pod = {
      ...base,
      spec: {
        ...base.spec,
        containers: [
          { ...base.spec.containers[0], ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }] },
          { name: 'dns', image: 'busybox', ports: [{ containerPort: 53, protocol: 'UDP' }] },
        ],
      },
    } as Pod;
    const s = status({
      pod,
      portMappings: [
        { containerPort: 80, hostPort: 40001, hostIP: '127.0.0.1', protocol: 'TCP' },
        { containerPort: 53, hostPort: 40002, hostIP: '127.0.0.1', protocol: 'UDP' },
      ],
    });
    expect(s.publishedPorts).toEqual([
      {
        containerName: name,
        name: 'http',
        containerPort: 80,
        protocol: 'TCP',
        hostIP: '127.0.0.1',
        hostPort: 40001,
      },
      { containerName: 'dns', containerPort: 53, protocol: 'UDP', hostIP: '127.0.0.1', hostPort: 40002 },
    ]);
    expect(status({ pod }).publishedPorts).toBeUndefined();
  });

  it('Pending with ContainerCreating before the container runs', () => {
    const s = status({});
    expect(s.phase).toBe('Pending');
    expect(s.containerStatuses?.[0]).toMatchObject({
      ready: false,
      restartCount: 0,
      state: { waiting: { reason: 'ContainerCreating' } },
    });
    expect(condition(s, 'Ready')).toBe('False');
    expect(s).toMatchObject({ hostIP: '127.0.0.1', startTime: new Date(NOW).toISOString() });
  });

  it('Running and Ready once it runs; keeps the scheduler condition', () => {
    const pod = { ...base, status: { conditions: [{ type: 'PodScheduled', status: 'True' }] } } as Pod;
    const s = status({ pod, containers: [run({})] });
    expect(s.phase).toBe('Running');
    expect(s.containerStatuses?.[0]).toMatchObject({
      ready: true,
      started: true,
      containerID: 'hollow://id0',
      state: { running: { startedAt: new Date(NOW - 5_000).toISOString() } },
    });
    expect(['PodScheduled', 'Ready', 'ContainersReady', 'Initialized'].map((t) => condition(s, t))).toEqual([
      'True',
      'True',
      'True',
      'True',
    ]);
  });

  it('CrashLoopBackOff after a crash, with the failed run as lastState and the restart count', () => {
    const failed = run({ attempt: 2, state: 'exited', exitCode: 1, finishedAt: NOW - 1_000 });
    const s = status({ containers: [failed], backingOff: new Map([[name, NOW + 39_000]]) });
    expect(s.phase).toBe('Running');
    expect(s.containerStatuses?.[0]).toMatchObject({
      restartCount: 2,
      ready: false,
      state: {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: expect.stringMatching(/^back-off 40s restarting failed container=/),
        },
      },
      lastState: { terminated: { exitCode: 1, reason: 'Error' } },
    });
  });

  it.each([
    ['Never', 0, 'Succeeded'],
    ['Never', 3, 'Failed'],
    ['OnFailure', 0, 'Succeeded'],
  ] as const)('restartPolicy %s and exit code %i: %s', (restartPolicy, exitCode, phase) => {
    const pod = { ...base, spec: { ...base.spec, restartPolicy } } as Pod;
    const s = status({ pod, containers: [run({ state: 'exited', exitCode, finishedAt: NOW })] });
    expect(s.phase).toBe(phase);
    expect(s.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
    });
  });

  it('shows why a container cannot start (ErrImagePull)', () => {
    const s = status({
      waiting: new Map([[name, { reason: 'ErrImagePull', message: 'failed to pull image "nope"' }]]),
    });
    expect(s.containerStatuses?.[0]?.state).toEqual({
      waiting: { reason: 'ErrImagePull', message: 'failed to pull image "nope"' },
    });
    expect(s.phase).toBe('Pending');
  });
});

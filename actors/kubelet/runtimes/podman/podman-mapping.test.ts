import { describe, expect, it } from 'vitest';
import type { ContainerConfig, SandboxConfig } from '../runtime.js';
import { ContainerInspect, ContainerListItem, LibpodEvent, PodInspect } from './libpod-types.js';
import {
  containerCreateSpec,
  containerState,
  nodeFilters,
  podCreateSpec,
  runtimeEventFrom,
  sandboxFromInspect,
  statusFromInspect,
  statusFromListItem,
} from './podman-mapping.js';

const sandbox: SandboxConfig = {
  podUid: '0f1e2d3c-aaaa-bbbb-cccc-000000000001',
  namespace: 'team',
  name: 'web',
  node: 'n1',
  hostname: 'web',
  portMappings: [{ containerPort: 80, hostPort: 30080, hostIP: '127.0.0.1', protocol: 'TCP' }],
  labels: { extra: 'yes', 'io.skiff.node': 'forged' },
};

const podLabels = {
  'io.skiff.managed': 'true',
  'io.skiff.node': 'n1',
  'io.skiff.pod.uid': sandbox.podUid,
  'io.skiff.pod.namespace': 'team',
  'io.skiff.pod.name': 'web',
};

function containerConfig(overrides: Partial<ContainerConfig> = {}): ContainerConfig {
  return { name: 'app', image: 'busybox', env: [], mounts: [], attempt: 2, ...overrides };
}

describe('podCreateSpec', () => {
  it('names and labels the pod, and publishes its ports on the host IP', () => {
    expect(podCreateSpec(sandbox)).toEqual({
      name: 'skiff_team_web_0f1e2d3c',
      hostname: 'web',
      labels: { extra: 'yes', ...podLabels },
      portmappings: [{ host_ip: '127.0.0.1', host_port: 30080, container_port: 80, protocol: 'tcp' }],
    });
  });
});

describe('containerCreateSpec', () => {
  const pod = { id: 'pod-id', name: 'skiff_team_web_0f1e2d3c', labels: podLabels };

  it('maps command to entrypoint, args to command, env (later wins), workdir, mounts and labels', () => {
    const spec = containerCreateSpec(
      pod,
      containerConfig({
        command: ['sh', '-c'],
        args: ['echo hi'],
        env: [
          { name: 'A', value: '1' },
          { name: 'A', value: '2' },
        ],
        workingDir: '/srv',
        mounts: [{ hostPath: '/var/lib/skiff/cm', containerPath: '/etc/cm', readOnly: true }],
      }),
    );
    expect(spec).toEqual({
      name: 'skiff_team_web_0f1e2d3c_app_2',
      image: 'busybox',
      pod: 'pod-id',
      entrypoint: ['sh', '-c'],
      command: ['echo hi'],
      env: { A: '2' },
      work_dir: '/srv',
      mounts: [
        { destination: '/etc/cm', source: '/var/lib/skiff/cm', type: 'bind', options: ['rbind', 'ro'] },
      ],
      labels: { ...podLabels, 'io.skiff.container.name': 'app', 'io.skiff.container.attempt': '2' },
    });
  });

  it('leaves the image defaults alone when neither command nor args is given', () => {
    const spec = containerCreateSpec(pod, containerConfig());
    expect(spec).not.toHaveProperty('entrypoint');
    expect(spec).not.toHaveProperty('command');
    expect(spec).not.toHaveProperty('resource_limits');
  });

  it.each([
    [{ cpuMillis: 500 }, { cpu: { quota: 50_000, period: 100_000 } }],
    [
      { cpuMillis: 2000, memoryBytes: 64 * 1024 * 1024 },
      { cpu: { quota: 200_000, period: 100_000 }, memory: { limit: 67_108_864 } },
    ],
    [{ cpuMillis: 1 }, { cpu: { quota: 1_000, period: 100_000 } }],
    [{ memoryBytes: 1024 }, { memory: { limit: 1024 } }],
  ])('limits %j → %j', (limits, expected) => {
    expect(containerCreateSpec(pod, containerConfig({ limits })).resource_limits).toEqual(expected);
  });
});

describe('nodeFilters', () => {
  it("requires the container label for containers, so pods' infra containers stay out", () => {
    expect(nodeFilters('n1', { containers: true, podUid: 'u' })).toEqual({
      label: ['io.skiff.managed=true', 'io.skiff.node=n1', 'io.skiff.container.name', 'io.skiff.pod.uid=u'],
    });
    expect(nodeFilters('n1', { containers: false })).toEqual({
      label: ['io.skiff.managed=true', 'io.skiff.node=n1'],
    });
  });
});

describe('containerState', () => {
  it.each([
    ['running', 'running'],
    ['exited', 'exited'],
    ['stopped', 'exited'],
    ['created', 'created'],
    ['configured', 'created'],
    ['removing', 'unknown'],
  ] as const)('%s → %s', (status, state) => {
    expect(containerState(status)).toBe(state);
  });
});

describe('statuses', () => {
  const containerLabels = {
    ...podLabels,
    'io.skiff.container.name': 'app',
    'io.skiff.container.attempt': '1',
  };

  it('reads an inspected exited container', () => {
    const inspected = ContainerInspect.parse({
      Id: 'c1',
      Name: 'skiff_team_web_0f1e2d3c_app_1',
      Created: '2026-12-04T19:17:37.613141202Z',
      Pod: 'p1',
      ImageName: 'docker.io/library/busybox:latest',
      State: {
        Status: 'exited',
        Running: false,
        OOMKilled: false,
        Pid: 0,
        ExitCode: 3,
        Error: '',
        StartedAt: '2026-12-04T19:17:38Z',
        FinishedAt: '2026-12-04T19:17:39Z',
      },
      Config: { Labels: containerLabels, Env: null },
    });
    expect(statusFromInspect(inspected)).toEqual({
      id: 'c1',
      sandboxId: 'p1',
      podUid: sandbox.podUid,
      name: 'app',
      attempt: 1,
      image: 'docker.io/library/busybox:latest',
      state: 'exited',
      createdAt: Date.parse('2026-12-04T19:17:37.613Z'),
      startedAt: Date.parse('2026-12-04T19:17:38Z'),
      finishedAt: Date.parse('2026-12-04T19:17:39Z'),
      exitCode: 3,
      reason: 'Error',
    });
  });

  it('reads a listed running container (never-exited times are negative and left out)', () => {
    const item = ContainerListItem.parse({
      Id: 'c2',
      Names: ['x'],
      Image: 'busybox',
      State: 'running',
      Created: '2026-12-04T19:18:50Z',
      StartedAt: 1796411930,
      Exited: false,
      ExitedAt: -62135596800,
      ExitCode: 0,
      IsInfra: false,
      Pod: 'p1',
      Labels: containerLabels,
    });
    expect(statusFromListItem(item)).toMatchObject({
      state: 'running',
      startedAt: 1796411930000,
      attempt: 1,
    });
    expect(statusFromListItem(item)).not.toHaveProperty('finishedAt');
    expect(statusFromListItem(item)).not.toHaveProperty('exitCode');
  });

  it("reads a sandbox's ports back from its infra bindings", () => {
    const pod = PodInspect.parse({
      Id: 'p1',
      Name: 'skiff_team_web_0f1e2d3c',
      Created: '2026-12-04T19:17:37Z',
      State: 'Running',
      Labels: podLabels,
      InfraConfig: {
        PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '30080' }], '53/udp': null },
      },
      Containers: [],
    });
    expect(sandboxFromInspect(pod)).toEqual({
      id: 'p1',
      podUid: sandbox.podUid,
      namespace: 'team',
      name: 'web',
      state: 'ready',
      createdAt: Date.parse('2026-12-04T19:17:37Z'),
      portMappings: [{ containerPort: 80, hostPort: 30080, hostIP: '127.0.0.1', protocol: 'TCP' }],
    });
  });
});

describe('runtimeEventFrom', () => {
  const attributes = { ...podLabels, 'io.skiff.container.name': 'app', containerExitCode: '137' };
  const event = (action: string, attrs: Record<string, string> = attributes) =>
    LibpodEvent.parse({ Type: 'container', Action: action, Actor: { ID: 'c1', Attributes: attrs }, time: 1 });

  it.each([
    ['start', { type: 'started', containerId: 'c1', podUid: sandbox.podUid }],
    ['died', { type: 'exited', containerId: 'c1', podUid: sandbox.podUid, exitCode: 137 }],
    ['create', undefined],
    ['exec_died', undefined],
  ])('%s → %j', (action, expected) => {
    expect(runtimeEventFrom(event(action), 'n1')).toEqual(expected);
  });

  it("ignores other nodes' containers, infra containers and containers that are not Skiff's", () => {
    expect(runtimeEventFrom(event('start'), 'n2')).toBeUndefined();
    const { 'io.skiff.container.name': _infra, ...infra } = attributes;
    expect(runtimeEventFrom(event('start', infra), 'n1')).toBeUndefined();
    expect(
      runtimeEventFrom(event('start', { ...attributes, 'io.skiff.managed': 'false' }), 'n1'),
    ).toBeUndefined();
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ContainerConfigError } from '../../protocol/errors.js';
import type { Pod } from '../../protocol/resources/pod.js';
import type { Service } from '../../protocol/resources/service.js';
import { makePod } from '../../protocol/testing/pod-builders.js';
import {
  type ConfigSources,
  expand,
  prepareVolumes,
  resolveEnvironment,
  serviceEnvironment,
} from './config.js';

const sources: ConfigSources = {
  configMap: async (_ns, name) => (name === 'app' ? { greeting: 'hello', mode: 'fast' } : undefined),
  secret: async (_ns, name) => (name === 'creds' ? { password: 's3cret' } : undefined),
  services: async () => [],
};
const service = (namespace: string, name: string, spec: Record<string, unknown>) =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace, name }, spec }) as unknown as Service;
const withContainer = (container: Record<string, unknown>, spec: Record<string, unknown> = {}): Pod => {
  const pod = makePod('web').node('n1').obj() as Pod;
  const base = pod.spec.containers[0] as unknown as Record<string, unknown>;
  return {
    ...pod,
    spec: { ...pod.spec, ...spec, containers: [{ ...base, ...container }] },
  } as unknown as Pod;
};
const envOf = async (container: Record<string, unknown>) => {
  const pod = withContainer(container);
  return resolveEnvironment(
    pod,
    pod.spec.containers[0] as Pod['spec']['containers'][number],
    '127.0.0.9',
    sources,
  );
};

describe('serviceEnvironment', () => {
  const services: Record<string, Service[]> = {
    default: [
      service('default', 'kubernetes', {
        clusterIP: '127.77.0.1',
        ports: [{ name: 'https', port: 443, protocol: 'TCP' }],
      }),
      service('default', 'web-api', {
        clusterIP: '127.77.0.9',
        ports: [
          { name: 'http', port: 80, protocol: 'TCP' },
          { name: 'dns-udp', port: 53, protocol: 'UDP' },
        ],
      }),
      service('default', 'headless', { clusterIP: 'None', ports: [{ port: 80, protocol: 'TCP' }] }),
      service('default', 'unallocated', { ports: [{ port: 80, protocol: 'TCP' }] }),
    ],
    team: [service('team', 'db', { clusterIP: '127.77.0.20', ports: [{ port: 5432, protocol: 'TCP' }] })],
  };
  const withServices: ConfigSources = { ...sources, services: async (ns) => services[ns] ?? [] };
  const podIn = (namespace: string, spec: Record<string, unknown> = {}) => {
    const pod = withContainer({}, spec);
    return { ...pod, metadata: { ...pod.metadata, namespace } } as Pod;
  };

  it("sets Kubernetes' variables for every Service of the namespace with a cluster IP", async () => {
    const env = Object.fromEntries(await serviceEnvironment(podIn('default'), withServices));
    expect(env).toMatchObject({
      WEB_API_SERVICE_HOST: '127.77.0.9',
      WEB_API_SERVICE_PORT: '80',
      WEB_API_SERVICE_PORT_HTTP: '80',
      WEB_API_SERVICE_PORT_DNS_UDP: '53',
      WEB_API_PORT: 'tcp://127.77.0.9:80',
      WEB_API_PORT_80_TCP: 'tcp://127.77.0.9:80',
      WEB_API_PORT_80_TCP_PROTO: 'tcp',
      WEB_API_PORT_80_TCP_PORT: '80',
      WEB_API_PORT_80_TCP_ADDR: '127.77.0.9',
      WEB_API_PORT_53_UDP: 'udp://127.77.0.9:53',
      KUBERNETES_SERVICE_HOST: '127.77.0.1',
      KUBERNETES_SERVICE_PORT: '443',
    });
    expect(Object.keys(env).filter((k) => k.startsWith('HEADLESS_') || k.startsWith('UNALLOCATED_'))).toEqual(
      [],
    );
  });

  it('another namespace sees its own Services and the kubernetes one; enableServiceLinks: false only the latter', async () => {
    const team = Object.keys(Object.fromEntries(await serviceEnvironment(podIn('team'), withServices)));
    expect(team).toContain('DB_SERVICE_HOST');
    expect(team).toContain('KUBERNETES_SERVICE_HOST');
    expect(team).not.toContain('WEB_API_SERVICE_HOST');
    const unlinked = Object.keys(
      Object.fromEntries(
        await serviceEnvironment(podIn('team', { enableServiceLinks: false }), withServices),
      ),
    );
    expect(unlinked.filter((k) => k.endsWith('_SERVICE_HOST'))).toEqual(['KUBERNETES_SERVICE_HOST']);
  });

  it("the container's own env overrides a Service variable", async () => {
    const pod = podIn('default');
    const container = {
      ...(pod.spec.containers[0] as object),
      env: [{ name: 'WEB_API_SERVICE_PORT', value: '8080' }],
    };
    const env = await resolveEnvironment(
      pod,
      container as Pod['spec']['containers'][number],
      '127.0.0.9',
      withServices,
    );
    expect(env.find((e) => e.name === 'WEB_API_SERVICE_PORT')?.value).toBe('8080');
    expect(env.find((e) => e.name === 'WEB_API_SERVICE_HOST')?.value).toBe('127.77.0.9');
  });
});

describe('resolveEnvironment', () => {
  it('resolves values, the downward API, ConfigMap and Secret keys, in order, with $(VAR) references', async () => {
    const env = await envOf({
      envFrom: [{ configMapRef: { name: 'app' }, prefix: 'APP_' }],
      env: [
        { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
        { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'app', key: 'greeting' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        { name: 'MESSAGE', value: '$(GREETING) from $(NAME), $$(NAME) stays, $(UNKNOWN) too' },
        { name: 'MISSING', valueFrom: { configMapKeyRef: { name: 'nope', key: 'x', optional: true } } },
      ],
    });
    expect(Object.fromEntries(env.map((e) => [e.name, e.value]))).toEqual({
      APP_greeting: 'hello',
      APP_mode: 'fast',
      NAME: 'web',
      NODE: 'n1',
      HOST: '127.0.0.9',
      GREETING: 'hello',
      PASSWORD: 's3cret',
      MESSAGE: 'hello from web, $(NAME) stays, $(UNKNOWN) too',
    });
  });

  it.each([
    [
      { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }] },
      'configmap "nope" not found',
    ],
    [
      { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'app', key: 'k' } } }] },
      "couldn't find key k in ConfigMap default/app",
    ],
    [
      { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }] },
      "couldn't find key k in Secret default/creds",
    ],
    [{ envFrom: [{ secretRef: { name: 'gone' } }] }, 'secret "gone" not found'],
  ])('refuses a missing source or key (%#): %s', async (container, message) => {
    await expect(envOf(container)).rejects.toEqual(new ContainerConfigError(message));
  });

  it('expands like Kubernetes', () => {
    const defined = new Map([['A', 'x']]);
    expect(['$(A)', '$$(A)', '$(B)', '$$', 'a$b'].map((v) => expand(v, defined))).toEqual([
      'x',
      '$(A)',
      '$(B)',
      '$',
      'a$b',
    ]);
  });
});

describe('prepareVolumes', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('writes ConfigMap and Secret keys as files and mounts them read-only, emptyDir writable', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'skiff-volumes-'));
    dirs.push(root);
    const pod = withContainer(
      {
        volumeMounts: [
          { name: 'config', mountPath: '/etc/config' },
          { name: 'creds', mountPath: '/etc/creds' },
          { name: 'scratch', mountPath: '/scratch' },
        ],
      },
      {
        volumes: [
          { name: 'config', configMap: { name: 'app', items: [{ key: 'greeting', path: 'sub/hello.txt' }] } },
          { name: 'creds', secret: { secretName: 'creds' } },
          { name: 'scratch', emptyDir: {} },
        ],
      },
    );
    const mounts = await prepareVolumes(
      pod,
      pod.spec.containers[0] as Pod['spec']['containers'][number],
      root,
      sources,
    );
    expect(mounts.map((m) => [m.containerPath, m.readOnly])).toEqual([
      ['/etc/config', true],
      ['/etc/creds', true],
      ['/scratch', false],
    ]);
    expect(readFileSync(path.join(mounts[0]?.hostPath as string, 'sub/hello.txt'), 'utf8')).toBe('hello');
    expect(readFileSync(path.join(mounts[1]?.hostPath as string, 'password'), 'utf8')).toBe('s3cret');
  });
});

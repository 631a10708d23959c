import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ContainerConfigError } from '../../protocol/errors.js';
import type { Pod } from '../../protocol/resources/pod.js';
import { makePod } from '../../protocol/testing/pod-builders.js';
import { type ConfigSources, expand, prepareVolumes, resolveEnvironment } from './config.js';

const sources: ConfigSources = {
  configMap: async (_ns, name) => (name === 'app' ? { greeting: 'hello', mode: 'fast' } : undefined),
  secret: async (_ns, name) => (name === 'creds' ? { password: 's3cret' } : undefined),
};
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

import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../actors/kernel/bus/memory.js';
import { silentLogger } from '../../actors/kernel/log.js';
import { desiredResource, desiredStreamConfig } from '../desired.js';
import { ApiError } from '../errors.js';
import { Subjects } from '../subjects.js';
import { DesiredPublisher, publishDesired } from './desired.js';

const subjects = new Subjects('skiff');
const configMap = (name: string, data: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'team-a' },
  data,
});

describe('publishDesired', () => {
  it('stores the object on skiff.desired.<resource>, creating the stream when missing', async () => {
    const bus = new MemoryBus({ log: silentLogger('bus') });
    const result = await publishDesired(bus, subjects, configMap('settings', { a: '1' }));
    expect(result).toEqual({ seq: 1, duplicate: false });
    const log = await bus.log(subjects.desiredStream());
    const entry = await log.get(1);
    expect(entry?.subject).toBe('skiff.desired.configmaps');
    expect(JSON.parse(new TextDecoder().decode(entry?.data))).toEqual(configMap('settings', { a: '1' }));
  });

  it('uses a stream the API server created, and de-duplicates by msgId', async () => {
    const bus = new MemoryBus({ log: silentLogger('bus') });
    await bus.log(subjects.desiredStream(), desiredStreamConfig(subjects));
    const publisher = new DesiredPublisher(bus, subjects);
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } } },
    };
    expect(await publisher.publish(deployment, { msgId: 'web-1' })).toEqual({ seq: 1, duplicate: false });
    expect(await publisher.publish(deployment, { msgId: 'web-1' })).toEqual({ seq: 1, duplicate: true });
    expect(await publisher.publish(configMap('x'))).toEqual({ seq: 2, duplicate: false });
    const log = await bus.log(subjects.desiredStream());
    expect((await log.get(1))?.subject).toBe('skiff.desired.deployments');
  });

  it.each([
    ['a non-object', ['ConfigMap'], /must be a JSON object/],
    [
      'an unknown kind',
      { apiVersion: 'v1', kind: 'Widget', metadata: { name: 'w' } },
      /unknown kind "Widget"/,
    ],
    ['a missing kind', { apiVersion: 'v1', metadata: { name: 'w' } }, /unknown kind null/],
    ['the wrong apiVersion', { apiVersion: 'v1', kind: 'Deployment', metadata: { name: 'd' } }, /apps\/v1/],
    ['no name', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'x-' } }, /metadata\.name/],
    ['no metadata', { apiVersion: 'v1', kind: 'ConfigMap' }, /metadata\.name/],
  ])('refuses %s before publishing anything', async (_what, object, message) => {
    const bus = new MemoryBus({ log: silentLogger('bus') });
    const err = await publishDesired(bus, subjects, object).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ reason: 'BadRequest', message: expect.stringMatching(message) });
    await expect(bus.log(subjects.desiredStream())).rejects.toThrow(/does not exist/);
  });

  it('names the resource of a valid object', () => {
    expect(desiredResource(configMap('x')).plural).toBe('configmaps');
    expect(desiredResource({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } }).namespaced).toBe(
      false,
    );
  });

  it('reports why the stream can be neither opened nor created', async () => {
    const bus = new MemoryBus({ log: silentLogger('bus') });
    await bus.close();
    await expect(publishDesired(bus, subjects, configMap('x'))).rejects.toThrow(
      /cannot open it .* nor create it/,
    );
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiRequest } from '../../protocol/api.js';
import { type TestApi, testApi } from './testing/deps.js';

type SecretBody = {
  metadata: { name: string; resourceVersion?: string; generation?: number };
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  immutable?: boolean;
};

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

const secret = (name: string, fields: Omit<SecretBody, 'metadata'> = {}) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name },
  ...fields,
});

const at = (req: Omit<ApiRequest, 'resource' | 'namespace'>): ApiRequest => ({
  ...req,
  resource: 'secrets',
  namespace: 'default',
});

describe('Secrets through the API handler', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await testApi();
  });

  /** The Secret as stored, read back the way a client would. */
  const stored = (name: string) => api.ok<SecretBody>(at({ verb: 'get', name }));

  describe('stringData is write-only: merged into data, never stored nor returned', () => {
    it('on create, over data keys of the same name', async () => {
      const created = await api.ok<SecretBody>(
        at({
          verb: 'create',
          body: secret('db', { data: { user: b64('old'), host: b64('db') }, stringData: { user: 'admin' } }),
        }),
      );
      expect(created).not.toHaveProperty('stringData');
      expect(created.data).toEqual({ user: b64('admin'), host: b64('db') });
      expect(created.type).toBe('Opaque');
      expect(await stored('db')).toEqual(created);
      const list = await api.ok<{ items: SecretBody[] }>(at({ verb: 'list' }));
      expect(list.items.map((s) => Object.keys(s))).not.toContainEqual(
        expect.arrayContaining(['stringData']),
      );
    });

    it('on update and on patch, overriding a stored data key', async () => {
      await api.ok(at({ verb: 'create', body: secret('db', { data: { user: b64('u'), pass: b64('p') } }) }));
      const updated = await api.ok<SecretBody>(
        at({
          verb: 'update',
          name: 'db',
          body: secret('db', { data: { user: b64('u'), pass: b64('p') }, stringData: { pass: 'rotated' } }),
        }),
      );
      expect(updated.data).toEqual({ user: b64('u'), pass: b64('rotated') });
      expect(updated).not.toHaveProperty('stringData');
      const patched = await api.ok<SecretBody>(
        at({ verb: 'patch', name: 'db', body: { stringData: { user: 'root' } } }),
      );
      expect(patched.data).toEqual({ user: b64('root'), pass: b64('rotated') });
      expect(await stored('db')).toEqual(patched);
      // The same value again is no change: no write, no new generation (stringData is merged
      // before the server compares versions).
      const again = await api.ok<SecretBody>(
        at({ verb: 'patch', name: 'db', body: { stringData: { user: 'root' } } }),
      );
      expect(again.metadata.resourceVersion).toBe(patched.metadata.resourceVersion);
      expect(again.metadata.generation).toBe(patched.metadata.generation);
    });

    it('on apply and on a dry run', async () => {
      const applied = await api.ok<{ action: string; object: SecretBody }>(
        at({ verb: 'apply', body: secret('app', { stringData: { token: 't1' } }) }),
      );
      expect(applied.action).toBe('created');
      expect(applied.object.data).toEqual({ token: b64('t1') });
      const reapplied = await api.ok<{ action: string; object: SecretBody }>(
        at({ verb: 'apply', body: secret('app', { stringData: { token: 't2' } }) }),
      );
      expect(reapplied.object.data).toEqual({ token: b64('t2') });
      expect(reapplied.object).not.toHaveProperty('stringData');
      const dry = await api.ok<SecretBody>(
        at({ verb: 'create', body: secret('dry', { stringData: { a: 'x' } }), options: { dryRun: true } }),
      );
      expect(dry).toMatchObject({ data: { a: b64('x') } });
      expect(dry).not.toHaveProperty('stringData');
    });

    it('is validated with data: a type may get its required keys from stringData', async () => {
      const tls = await api.ok<SecretBody>(
        at({
          verb: 'create',
          body: secret('tls', {
            type: 'kubernetes.io/tls',
            data: { 'tls.crt': b64('cert') },
            stringData: { 'tls.key': 'key' },
          }),
        }),
      );
      expect(Object.keys(tls.data ?? {}).sort()).toEqual(['tls.crt', 'tls.key']);
      expect(
        await api.send(at({ verb: 'create', body: secret('bad', { type: 'kubernetes.io/tls' }) })),
      ).toMatchObject({ ok: false, status: { code: 422, reason: 'Invalid' } });
    });
  });

  describe('updates', () => {
    it('refuses a change of type', async () => {
      await api.ok(at({ verb: 'create', body: secret('s', { stringData: { username: 'u' } }) }));
      const result = await api.send(
        at({
          verb: 'patch',
          name: 's',
          body: { type: 'kubernetes.io/basic-auth' },
        }),
      );
      expect(result).toMatchObject({ ok: false, status: { code: 422, reason: 'Invalid' } });
      expect(JSON.stringify(result)).toContain(
        'type: Invalid value: \\"kubernetes.io/basic-auth\\": field is immutable',
      );
    });

    it('keeps an immutable Secret as it is, whether data or stringData is written', async () => {
      await api.ok(
        at({ verb: 'create', body: secret('frozen', { immutable: true, stringData: { a: 'x' } }) }),
      );
      for (const body of [{ data: { a: b64('y') } }, { stringData: { a: 'y' } }, { immutable: false }]) {
        expect(await api.send(at({ verb: 'patch', name: 'frozen', body }))).toMatchObject({
          ok: false,
          status: { code: 422 },
        });
      }
      // Writing the same value again is no change at all.
      const same = await api.ok<SecretBody>(
        at({ verb: 'patch', name: 'frozen', body: { stringData: { a: 'x' } } }),
      );
      expect(same.data).toEqual({ a: b64('x') });
    });
  });
});

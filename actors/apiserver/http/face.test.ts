import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../kernel/testing/wait-for.js';
import { type HttpCluster, startHttpCluster } from './testing.js';

const cm = (name: string, labels: Record<string, string> = {}, extra: object = {}) => {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels }, ...extra };
};

describe('HTTP face', () => {
  let cluster: HttpCluster;
  beforeAll(async () => {
    cluster = await startHttpCluster({ bookmarkMs: 50 });
  });
  afterAll(async () => {
    await cluster.stop();
  });

  const call = (path: string, init: RequestInit = {}) => fetch(`${cluster.url}${path}`, init);
  const send = (method: string, path: string, body: unknown, type = 'application/json') =>
    call(path, { method, headers: { 'content-type': type }, body: JSON.stringify(body) });
  const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

  describe('errors are Status objects with the right code', () => {
    it.each([
      ['GET', '/nope', 404, 'NotFound', 'the server could not find the requested resource'],
      ['GET', '/api/v1/widgets', 404, 'NotFound', 'the server could not find the requested resource'],
      [
        'GET',
        '/api/v1/namespaces/default/configmaps/missing',
        404,
        'NotFound',
        'configmaps "missing" not found',
      ],
      ['GET', '/api/v1/namespaces/default/configmaps?labelSelector=a%20in', 400, 'BadRequest', ''],
      ['GET', '/api/v1/namespaces/default/configmaps?limit=x', 400, 'BadRequest', 'limit'],
      ['POST', '/api/v1/configmaps', 405, 'MethodNotAllowed', ''],
      ['PUT', '/api/v1/namespaces/default/configmaps', 405, 'MethodNotAllowed', ''],
      ['POST', '/version', 405, 'MethodNotAllowed', ''],
    ])('%s %s → %i %s', async (method, path, code, reason, message) => {
      const res = await call(path, { method });
      expect(res.status).toBe(code);
      const status = await json(res);
      expect(status).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code });
      expect(status.message).toContain(message);
    });

    it('answers 409 for a duplicate or a stale write, 422 for an invalid object', async () => {
      const created = await json(await send('POST', '/api/v1/namespaces/default/configmaps', cm('dup')));
      const again = await send('POST', '/api/v1/namespaces/default/configmaps', cm('dup'));
      expect([again.status, (await json(again)).reason]).toEqual([409, 'AlreadyExists']);
      const stale = { ...created, metadata: { ...(created.metadata as object), resourceVersion: '1' } };
      const put = await send('PUT', '/api/v1/namespaces/default/configmaps/dup', stale);
      expect([put.status, (await json(put)).reason]).toEqual([409, 'Conflict']);
      const bad = await send('POST', '/api/v1/namespaces/default/configmaps', cm('Not_Valid'));
      const status = await json(bad);
      expect([bad.status, status.reason]).toEqual([422, 'Invalid']);
      expect(status.details).toMatchObject({ causes: [{ field: 'metadata.name' }] });
    });

    it('refuses server-side apply and protobuf bodies with 415', async () => {
      await send('POST', '/api/v1/namespaces/default/configmaps', cm('ssa'));
      const apply = await call('/api/v1/namespaces/default/configmaps/ssa', {
        method: 'PATCH',
        headers: { 'content-type': 'application/apply-patch+yaml' },
        body: 'data: {a: b}',
      });
      expect(apply.status).toBe(415);
      expect((await json(apply)).message).toContain('application/strategic-merge-patch+json');
      const proto = await call('/api/v1/namespaces/default/configmaps', {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.kubernetes.protobuf' },
        body: 'k8s\u0000',
      });
      expect([proto.status, (await json(proto)).reason]).toEqual([415, 'UnsupportedMediaType']);
    });
  });

  describe('the 3 MiB body limit', () => {
    const limit = 3 * 1024 * 1024;

    it('refuses a declared Content-Length over the limit without reading it', async () => {
      const res = await rawRequest(cluster.url, { 'content-length': String(limit + 1) }, (req) =>
        req.write('{'),
      );
      expect(res.code).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({
        reason: 'RequestEntityTooLarge',
        code: 413,
        message: `Request entity too large: limit is ${limit}`,
      });
    });

    it('refuses a streamed body as soon as it passes the limit', async () => {
      const chunk = Buffer.alloc(256 * 1024, 0x20);
      const res = await rawRequest(cluster.url, { 'transfer-encoding': 'chunked' }, (req) => {
        // Write one chunk past the limit, then hold the stream open without ending it: the server
        // must answer now. (Writing on after its answer would race its close: EPIPE in the test.)
        let written = 0;
        const pump = () => {
          while (!req.destroyed && written <= limit) {
            written += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
        };
        pump();
      });
      expect(res.code).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ message: `Request entity too large: limit is ${limit}` });
    });

    it('accepts a body just under the limit (decoded, then judged by the handler)', async () => {
      const big = cm('big', {}, { data: { blob: 'x'.repeat(limit - 200) } });
      const res = await send('POST', '/api/v1/namespaces/default/configmaps', big);
      expect(res.status).not.toBe(413);
    });
  });

  describe('verbs', () => {
    it('maps create, get, list, patch, update, dryRun and delete onto the handler', async () => {
      const base = '/api/v1/namespaces/default/configmaps';
      const dry = await send('POST', `${base}?dryRun=All`, cm('dry'));
      expect(dry.status).toBe(201);
      expect((await call(`${base}/dry`)).status).toBe(404);
      expect((await send('POST', base, cm('v1', { tier: 'web' }))).status).toBe(201);
      const patched = await send(
        'PATCH',
        `${base}/v1`,
        { data: { k: 'patched' } },
        'application/merge-patch+json',
      );
      expect(((await json(patched)).data as Record<string, string>).k).toBe('patched');
      const jsonPatch = [{ op: 'add', path: '/data/j', value: '1' }];
      expect((await send('PATCH', `${base}/v1`, jsonPatch, 'application/json-patch+json')).status).toBe(200);
      const list = await json(await call(`${base}?labelSelector=tier%3Dweb`));
      expect(list).toMatchObject({ kind: 'ConfigMapList', items: [{ data: { k: 'patched', j: '1' } }] });
      const all = await json(await call('/api/v1/configmaps?limit=1'));
      expect((all.metadata as { continue?: string }).continue).toBeTruthy();
      const del = await send('DELETE', `${base}/v1`, {
        kind: 'DeleteOptions',
        propagationPolicy: 'Background',
      });
      expect(del.status).toBe(200);
      expect((await call(`${base}/v1`)).status).toBe(404);
    });

    it('deletes a collection by label selector', async () => {
      const base = '/api/v1/namespaces/default/configmaps';
      for (const n of ['c1', 'c2']) await send('POST', base, cm(n, { batch: 'x' }));
      const res = await call(`${base}?labelSelector=batch%3Dx`, { method: 'DELETE' });
      expect(res.status).toBe(200);
      expect(((await json(res)).items as unknown[]).length).toBe(2);
      expect(((await json(await call(`${base}?labelSelector=batch%3Dx`))).items as unknown[]).length).toBe(0);
    });

    it('sends handler warnings as Warning: 299 headers', async () => {
      const res = await send('POST', '/api/v1/namespaces/default/configmaps', cm('warned', {}, { bogus: 1 }));
      expect(res.status).toBe(201);
      expect(res.headers.get('warning')).toMatch(/^299 - ".*bogus.*"$/);
    });

    it('prints a Table when asked (NAME/READY/STATUS/AGE for pods)', async () => {
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p1', namespace: 'default' },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      };
      await send('POST', '/api/v1/namespaces/default/pods', pod);
      const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
      const table = await json(await call('/api/v1/namespaces/default/pods', { headers: { accept } }));
      const columns = (table.columnDefinitions as { name: string }[]).map((c) => c.name);
      expect(columns.slice(0, 5)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
      const rows = table.rows as { cells: unknown[]; object: { kind: string } }[];
      expect(rows.map((r) => r.cells.slice(0, 4))).toEqual([['p1', '0/1', 'Pending', 0]]);
      expect(rows[0]?.object.kind).toBe('PartialObjectMetadata');
      const one = await json(
        await call('/api/v1/namespaces/default/configmaps/dup', { headers: { accept } }),
      );
      expect((one.columnDefinitions as { name: string }[]).map((c) => c.name)).toEqual([
        'Name',
        'Data',
        'Age',
      ]);
    });

    it('prints secrets as NAME/TYPE/DATA/AGE, and selects them by type', async () => {
      const base = '/api/v1/namespaces/default/secrets';
      const tls = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'tls' },
        type: 'kubernetes.io/tls',
        stringData: { 'tls.crt': 'c', 'tls.key': 'k' },
      };
      expect((await send('POST', base, tls)).status).toBe(201);
      const opaque = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'plain' }, data: { a: 'eA==' } };
      expect((await send('POST', base, opaque)).status).toBe(201);
      const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
      const table = await json(await call(base, { headers: { accept } }));
      expect((table.columnDefinitions as { name: string }[]).map((c) => c.name)).toEqual([
        'Name',
        'Type',
        'Data',
        'Age',
      ]);
      const rows = (table.rows as { cells: unknown[] }[]).map((r) => r.cells.slice(0, 3));
      expect(rows).toEqual([
        ['plain', 'Opaque', 1],
        ['tls', 'kubernetes.io/tls', 2],
      ]);
      const selected = await json(await call(`${base}?fieldSelector=type%3Dkubernetes.io%2Ftls`));
      expect((selected.items as { metadata: { name: string } }[]).map((s) => s.metadata.name)).toEqual([
        'tls',
      ]);
      expect((selected.items as Record<string, unknown>[])[0]).not.toHaveProperty('stringData');
    });
  });

  describe('watch', () => {
    it('streams from a list revision, ends on timeoutSeconds and counts watchers', async () => {
      const base = '/api/v1/namespaces/default/configmaps';
      const list = await json(await call(base));
      const rv = (list.metadata as { resourceVersion: string }).resourceVersion;
      const res = await call(
        `${base}?watch=1&resourceVersion=${rv}&timeoutSeconds=1&allowWatchBookmarks=true`,
      );
      expect(res.status).toBe(200);
      await send('POST', base, cm('watched'));
      const lines = (await res.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; object: { metadata: { name?: string } } });
      expect(lines.find((e) => e.type === 'ADDED')?.object.metadata.name).toBe('watched');
      expect(lines.some((e) => e.type === 'BOOKMARK')).toBe(true);
      await waitFor(async () =>
        expect(await cluster.registry.getSingleMetricAsString('skiff_apiserver_watchers')).toContain(
          'skiff_apiserver_watchers{resource="configmaps"} 0',
        ),
      );
    });

    it('answers 410 Expired for a resourceVersion older than the event log', async () => {
      // A cluster of its own: a small log, so that no other test's watch meets a trimmed front.
      const small = await startHttpCluster({ eventLogMaxMessages: 10 });
      const post = { method: 'POST', headers: { 'content-type': 'application/json' } };
      const url = `${small.url}/api/v1/namespaces/default/configmaps`;
      for (let i = 0; i < 20; i++) await fetch(url, { ...post, body: JSON.stringify(cm(`churn-${i}`)) });
      await waitFor(async () => {
        const res = await fetch(`${url}?watch=true&resourceVersion=2`);
        expect(res.status).toBe(410);
        expect(await json(res)).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
      });
      await small.stop();
    });
  });
});

/** A raw node:http POST, so the test controls Content-Length and chunking. */
function rawRequest(
  base: string,
  headers: Record<string, string>,
  write: (req: ReturnType<typeof httpRequest>) => void,
): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${base}/api/v1/namespaces/default/configmaps`,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => {
          req.destroy();
          resolve({ code: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    write(req);
  });
}

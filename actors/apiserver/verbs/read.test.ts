import { Registry } from 'prom-client';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiRequest } from '../../../protocol/api.js';
import { errorFromStatus } from '../../../protocol/errors.js';
import { defaultLimits } from '../deps.js';
import { createHandler, type Handler } from '../handler.js';
import { apiMetrics } from '../metrics.js';
import type { ListOptions, ListResult, Store } from '../store/store.js';
import { testApi } from '../testing/deps.js';
import { EXPIRED_CONTINUE_MESSAGE } from './read.js';

interface Page {
  readonly items: { metadata: { name: string; resourceVersion: string } }[];
  readonly metadata: { resourceVersion: string; continue?: string };
}

const DATA_BYTES = 1000;

const configMap = (name: string, tier = 'web') => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', labels: { tier } },
  data: { blob: 'x'.repeat(DATA_BYTES) },
});

/** A handler whose list pages hold about `objectsPerPage` of the ConfigMaps above. */
async function api(options: { objectsPerPage: number; store?: (store: Store) => Store }) {
  const base = await testApi();
  const store = options.store ? options.store(base.store) : base.store;
  const limits = { ...defaultLimits, maxListBytes: Math.floor((DATA_BYTES + 250) * options.objectsPerPage) };
  const handler: Handler = createHandler({ ...base.deps, store, limits }, apiMetrics(new Registry()));
  const ok = async <T>(req: ApiRequest): Promise<T> => {
    const result = await handler(req);
    if (!result.ok) throw errorFromStatus(result.status);
    return JSON.parse(JSON.stringify(result.body)) as T;
  };
  return { handler, ok, store: base.store };
}

const list = (options: ApiRequest['options'] = {}): ApiRequest => ({
  verb: 'list',
  resource: 'configmaps',
  namespace: 'default',
  options,
});

const names = (page: Page) => page.items.map((i) => i.metadata.name);

describe('list verb: pages bounded by bytes, one snapshot', () => {
  let t: Awaited<ReturnType<typeof api>>;
  beforeEach(async () => {
    t = await api({ objectsPerPage: 2.5 });
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      await t.ok({ verb: 'create', resource: 'configmaps', namespace: 'default', body: configMap(name) });
    }
  });

  it.each([
    ['no limit', {}],
    ['a limit larger than what fits', { limit: 100 }],
    ['a label selector', { labelSelector: 'tier=web' }],
  ])(
    'cuts a page by bytes with a continue token (%s), and the pages hold every object once',
    async (_, options) => {
      const first = await t.ok<Page>(list(options));
      expect(names(first)).toEqual(['a', 'b']);
      expect(first.metadata.continue).toBeDefined();
      const seen = names(first);
      let token = first.metadata.continue;
      while (token) {
        const page = await t.ok<Page>(list({ ...options, continue: token }));
        expect(page.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
        seen.push(...names(page));
        token = page.metadata.continue;
      }
      expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    },
  );

  it('sends an object larger than the budget alone, with a token for the rest', async () => {
    const small = await api({ objectsPerPage: 0.5 });
    for (const name of ['a', 'b']) {
      await small.ok({ verb: 'create', resource: 'configmaps', namespace: 'default', body: configMap(name) });
    }
    const first = await small.ok<Page>(list());
    expect(names(first)).toEqual(['a']);
    const second = await small.ok<Page>(list({ continue: first.metadata.continue ?? '' }));
    expect(names(second)).toEqual(['b']);
    expect(second.metadata.continue).toBeUndefined();
  });

  /** Changes in the part of the list after the first page (a, b). */
  const changes: Record<string, () => Promise<unknown>> = {
    update: async () => {
      const d = await t.ok<Page['items'][0]>({
        verb: 'get',
        resource: 'configmaps',
        namespace: 'default',
        name: 'd',
      });
      return t.ok({
        verb: 'update',
        resource: 'configmaps',
        namespace: 'default',
        name: 'd',
        body: { ...configMap('d'), metadata: d.metadata, data: { changed: 'yes' } },
      });
    },
    create: () =>
      t.ok({ verb: 'create', resource: 'configmaps', namespace: 'default', body: configMap('bb') }),
    delete: () => t.ok({ verb: 'delete', resource: 'configmaps', namespace: 'default', name: 'e' }),
  };

  it.each(Object.keys(changes))(
    'answers 410 Expired to a continue token after a %s in the rest of the list',
    async (change) => {
      const first = await t.ok<Page>(list());
      await changes[change]?.();
      const next = await t.handler(list({ continue: first.metadata.continue ?? '' }));
      expect(next).toMatchObject({
        ok: false,
        status: { code: 410, reason: 'Expired', message: EXPIRED_CONTINUE_MESSAGE },
      });
    },
  );

  it('serves the snapshot after a change to what earlier pages held', async () => {
    const first = await t.ok<Page>(list());
    await t.ok({ verb: 'delete', resource: 'configmaps', namespace: 'default', name: 'a' });
    const second = await t.ok<Page>(list({ continue: first.metadata.continue ?? '' }));
    expect(names(second)).toEqual(['c', 'd']);
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
  });
});

describe('list verb: a filtered list whose range changes between its store reads', () => {
  it('sends what it read before the change, with a token that then answers 410', async () => {
    let reads = 0;
    let interfere: (() => Promise<unknown>) | undefined;
    // The store's second page read finds its range changed: a write lands between the two reads.
    const racing = (store: Store): Store =>
      new Proxy(store, {
        get(target, prop, receiver) {
          if (prop !== 'list') return Reflect.get(target, prop, receiver);
          return async (resource: string, options: ListOptions): Promise<ListResult> => {
            if (++reads === 2) await interfere?.();
            return target.list(resource, options);
          };
        },
      });
    const t = await api({ objectsPerPage: 2.5, store: racing });
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      await t.ok({
        verb: 'create',
        resource: 'configmaps',
        namespace: 'default',
        body: configMap(name, name === 'b' ? 'db' : 'web'),
      });
    }
    interfere = () =>
      t.ok({ verb: 'create', resource: 'configmaps', namespace: 'default', body: configMap('cc') });
    reads = 0;
    // Two objects fit; the first store page (a, b) holds one match, so a second read is needed.
    const first = await t.ok<Page>(list({ labelSelector: 'tier=web' }));
    expect(names(first)).toEqual(['a']);
    expect(first.metadata.continue).toBeDefined();
    const next = await t.handler(
      list({ labelSelector: 'tier=web', continue: first.metadata.continue ?? '' }),
    );
    expect(next).toMatchObject({ ok: false, status: { code: 410, reason: 'Expired' } });
    const fresh = await t.ok<Page>(list({ labelSelector: 'tier=web' }));
    expect(names(fresh)).toEqual(['a', 'c']); // a new list, at a revision that has cc
  });
});

describe('deletecollection over a list larger than one page', () => {
  it('deletes every matching object, page after page', async () => {
    const t = await api({ objectsPerPage: 2.5 });
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) {
      await t.ok({
        verb: 'create',
        resource: 'configmaps',
        namespace: 'default',
        body: configMap(name, name < 'f' ? 'web' : 'db'),
      });
    }
    const removed = await t.ok<{ items: unknown[] }>({
      verb: 'deletecollection',
      resource: 'configmaps',
      namespace: 'default',
      options: { labelSelector: 'tier=web' },
    });
    expect(removed.items).toHaveLength(5);
    const left = await t.ok<Page>(list({ limit: 100 }));
    expect(names(left)).toEqual(['f', 'g']);
  });
});

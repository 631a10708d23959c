import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinWithRevision, type StoredObject, splitForRevision } from './store.js';

describe('splitForRevision', () => {
  it.each<[string, StoredObject]>([
    ['minimal', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }],
    [
      'with body',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'n' }, data: { k: 'v' } },
    ],
    [
      'replaces an old revision',
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', resourceVersion: '9' } },
    ],
  ])('%s: joins to the object with the new revision', (_label, object) => {
    const json = joinWithRevision(splitForRevision(object), 42);
    const parsed = JSON.parse(json);
    expect(parsed).toEqual({ ...object, metadata: { ...object.metadata, resourceVersion: '42' } });
  });

  it('round-trips arbitrary metadata and bodies', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string().filter((k) => k !== 'resourceVersion' && k !== '__proto__'),
          fc.jsonValue(),
        ),
        fc.dictionary(
          fc.string().filter((k) => !['apiVersion', 'kind', 'metadata', '__proto__'].includes(k)),
          fc.jsonValue(),
        ),
        fc.integer({ min: 1, max: 2 ** 40 }),
        (meta, body, rev) => {
          const object = {
            apiVersion: 'v1',
            kind: 'X',
            metadata: { ...meta, name: 'n' },
            ...body,
          } as StoredObject;
          const parsed = JSON.parse(joinWithRevision(splitForRevision(object), rev));
          expect(parsed).toEqual(
            JSON.parse(
              JSON.stringify({ ...object, metadata: { ...object.metadata, resourceVersion: String(rev) } }),
            ),
          );
        },
      ),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OwnerReference } from '../../../protocol/meta.js';
import {
  type ClassifiedOwner,
  deletionMode,
  FOREGROUND_FINALIZER,
  type GraphObject,
  ORPHAN_FINALIZER,
  type OwnerState,
  patchedOwnerReferences,
  planDependent,
  planForeground,
} from './plan.js';

const ref = (uid: string, blockOwnerDeletion?: boolean): OwnerReference => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  name: `rs-${uid}`,
  uid,
  ...(blockOwnerDeletion === undefined ? {} : { blockOwnerDeletion }),
});
const owner = (uid: string, state: OwnerState, block?: boolean): ClassifiedOwner => ({
  ref: ref(uid, block),
  state,
});
const dependent = (refs: OwnerReference[], extra: Partial<GraphObject['metadata']> = {}): GraphObject => ({
  metadata: { uid: 'd', ownerReferences: refs, ...extra },
});

describe('planDependent', () => {
  it.each([
    ['no owners', [], false, { action: 'keep' }],
    ['one solid owner', [owner('a', 'solid')], false, { action: 'keep' }],
    [
      'its only owner gone',
      [owner('a', 'dangling')],
      false,
      { action: 'delete', propagationPolicy: 'Background' },
    ],
    [
      'every owner gone',
      [owner('a', 'dangling'), owner('b', 'dangling')],
      true,
      { action: 'delete', propagationPolicy: 'Background' },
    ],
    [
      'one owner gone, one alive',
      [owner('a', 'dangling'), owner('b', 'solid')],
      false,
      { action: 'patchOwnerReferences', remove: ['a'], unblock: [] },
    ],
    [
      'a waiting owner, the dependent has dependents',
      [owner('a', 'waiting', true)],
      true,
      { action: 'delete', propagationPolicy: 'Foreground' },
    ],
    [
      'a waiting owner, a leaf dependent',
      [owner('a', 'waiting', true)],
      false,
      { action: 'delete', propagationPolicy: 'Background' },
    ],
    [
      'a waiting owner it blocks, and a solid one',
      [owner('a', 'waiting', true), owner('b', 'solid')],
      false,
      { action: 'patchOwnerReferences', remove: [], unblock: ['a'] },
    ],
    [
      'a waiting owner it does not block, and a solid one',
      [owner('a', 'waiting'), owner('b', 'solid')],
      false,
      { action: 'keep' },
    ],
  ] as const)('%s', (_, owners, hasDependents, expected) => {
    const dep = dependent(owners.map((o) => o.ref));
    expect(planDependent(dep, owners, hasDependents)).toEqual(expected);
  });

  it('leaves a dependent that is already being deleted to its finalizers', () => {
    const dep = dependent([ref('a')], { deletionTimestamp: '2026-01-01T00:00:00Z' });
    expect(planDependent(dep, [owner('a', 'dangling')], false)).toEqual({ action: 'keep' });
  });

  it('never deletes an object that still has a live owner (property)', () => {
    const states = fc.constantFrom<OwnerState>('solid', 'dangling', 'waiting');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(states, fc.boolean()), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (drawn, hasDependents) => {
          const owners = drawn.map(([state, block], i) => owner(`u${i}`, state, block));
          const plan = planDependent(dependent(owners.map((o) => o.ref)), owners, hasDependents);
          const solid = owners.some((o) => o.state === 'solid');
          if (solid) expect(plan.action).not.toBe('delete');
          else expect(plan.action).toBe('delete');
          if (plan.action === 'patchOwnerReferences') {
            // Only references to owners that are not solid are touched.
            const touched = [...plan.remove, ...plan.unblock];
            for (const uid of touched) expect(owners.find((o) => o.ref.uid === uid)?.state).not.toBe('solid');
            const left = patchedOwnerReferences(
              owners.map((o) => o.ref),
              plan,
            );
            expect(
              left.filter((r) => owners.find((o) => o.ref.uid === r.uid)?.state === 'solid'),
            ).toHaveLength(owners.filter((o) => o.state === 'solid').length);
          }
        },
      ),
    );
  });
});

describe('planForeground', () => {
  const deleting = { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: [FOREGROUND_FINALIZER] };
  const ownerObj: GraphObject = { metadata: { uid: 'o', ...deleting } };

  it.each([
    ['no dependents', [], { toDelete: 0, blocking: 0, removeFinalizer: true }],
    [
      'one non-blocking dependent',
      [dependent([ref('o')])],
      { toDelete: 1, blocking: 0, removeFinalizer: true },
    ],
    [
      'one blocking dependent',
      [dependent([ref('o', true)])],
      { toDelete: 1, blocking: 1, removeFinalizer: false },
    ],
    [
      'a blocking dependent already terminating',
      [dependent([ref('o', true)], { deletionTimestamp: '2026-01-01T00:00:00Z' })],
      { toDelete: 0, blocking: 1, removeFinalizer: false },
    ],
    [
      'a dependent blocking another owner only',
      [dependent([ref('o'), ref('x', true)])],
      { toDelete: 1, blocking: 0, removeFinalizer: true },
    ],
  ] as const)('%s', (_, dependents, expected) => {
    const plan = planForeground(ownerObj, dependents);
    expect({ ...plan, toDelete: plan.toDelete.length }).toEqual(expected);
  });
});

describe('deletionMode', () => {
  it.each([
    [{}, undefined],
    [{ finalizers: [ORPHAN_FINALIZER] }, undefined],
    [{ deletionTimestamp: 't', finalizers: [ORPHAN_FINALIZER] }, 'orphan'],
    [{ deletionTimestamp: 't', finalizers: [FOREGROUND_FINALIZER] }, 'foreground'],
    [{ deletionTimestamp: 't', finalizers: [FOREGROUND_FINALIZER, ORPHAN_FINALIZER] }, 'orphan'],
    [{ deletionTimestamp: 't', finalizers: ['example.com/other'] }, undefined],
  ] as const)('%j → %s', (meta, expected) => {
    expect(deletionMode({ metadata: meta })).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import {
  controllerKeyOf,
  controllerRefOf,
  controllerUidIndex,
  newControllerRef,
  orphanNamespaceIndex,
} from './owners.js';

const ref = (kind: string, controller: boolean) => ({
  apiVersion: 'apps/v1',
  kind,
  name: 'web',
  uid: `uid-${kind}`,
  controller,
});
const pod = (...ownerReferences: ReturnType<typeof ref>[]) => ({
  metadata: { namespace: 'team', ownerReferences },
});

describe('owner references', () => {
  it.each([
    ['no owners', pod(), undefined, [], ['team']],
    ['an owner that does not control', pod(ref('ReplicaSet', false)), undefined, [], ['team']],
    [
      'a controller',
      pod(ref('Deployment', false), ref('ReplicaSet', true)),
      'uid-ReplicaSet',
      ['uid-ReplicaSet'],
      [],
    ],
  ])('%s', (_, obj, uid, uids, orphanOf) => {
    expect(controllerRefOf(obj)?.uid).toBe(uid);
    expect(controllerUidIndex(obj)).toEqual(uids);
    expect(orphanNamespaceIndex(obj)).toEqual(orphanOf);
  });

  it('finds the key of a controller of the asked kind only', () => {
    const owned = pod(ref('ReplicaSet', true));
    expect(controllerKeyOf(owned, 'apps/v1', 'ReplicaSet')).toBe('team/web');
    expect(controllerKeyOf(owned, 'apps/v1', 'DaemonSet')).toBeUndefined();
    expect(controllerKeyOf(owned, 'batch/v1', 'ReplicaSet')).toBeUndefined();
  });

  it("makes a controller reference that blocks the owner's foreground deletion", () => {
    expect(
      newControllerRef({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once', uid: 'u1' } }),
    ).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      name: 'once',
      uid: 'u1',
      controller: true,
      blockOwnerDeletion: true,
    });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { type InProcessCluster, startInProcessCluster } from '../../actors/apiserver/testing/cluster.js';
import type { Condition } from '../meta.js';
import type { Deployment, DeploymentStatus } from '../resources/deployment.js';
import { makeDeployment, makeReplicaSet } from '../testing/builders.js';
import { deploymentHistory, isRollbackRefused, rollbackDeployment, rolloutStatus } from './rollout.js';

describe('rolloutStatus (kubectl rollout status)', () => {
  const deadline: Condition = { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' };
  it.each<[string, number, DeploymentStatus, string, boolean, boolean]>([
    [
      'a spec not yet observed',
      2,
      { observedGeneration: 1 },
      'Waiting for deployment spec update to be observed...',
      false,
      false,
    ],
    [
      'new replicas still being created',
      1,
      { observedGeneration: 1, replicas: 3, updatedReplicas: 1 },
      'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
      false,
      false,
    ],
    [
      'old replicas still running',
      1,
      { observedGeneration: 1, replicas: 5, updatedReplicas: 3 },
      'Waiting for deployment "web" rollout to finish: 2 old replicas are pending termination...',
      false,
      false,
    ],
    [
      'updated replicas not all available',
      1,
      { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 2 },
      'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
      false,
      false,
    ],
    [
      'done',
      1,
      { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 },
      'deployment "web" successfully rolled out',
      true,
      false,
    ],
    [
      'past its progress deadline',
      1,
      { observedGeneration: 1, replicas: 3, updatedReplicas: 1, conditions: [deadline] },
      'deployment "web" exceeded its progress deadline',
      false,
      true,
    ],
  ])('%s', (_, generation, status, message, done, failed) => {
    const d = makeDeployment('web').replicas(3).generation(generation).withStatus(status).obj();
    expect(rolloutStatus(d)).toEqual({ message, done, failed });
  });
});

describe('deploymentHistory and rollbackDeployment (kubectl rollout history / undo)', () => {
  let cluster: InProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  /** A Deployment at revision 3 (image v3) with the ReplicaSets of revisions 1 to 3, as the controller leaves them. */
  async function withHistory(options: { paused?: boolean } = {}) {
    cluster = await startInProcessCluster();
    const { client } = cluster;
    let builder = makeDeployment('web').image('v3').annotations({ 'deployment.kubernetes.io/revision': '3' });
    if (options.paused) builder = builder.paused();
    const { uid: _u, creationTimestamp: _c, ...meta } = builder.obj().metadata;
    const d = await client.create('deployments', { ...builder.obj(), metadata: meta });
    for (const revision of [1, 2, 3]) {
      const rs = makeReplicaSet(`web-h${revision}`)
        .podLabels({ app: 'web' })
        .image(`v${revision}`)
        .templateHash(`h${revision}`)
        .annotations({
          'deployment.kubernetes.io/revision': String(revision),
          'kubernetes.io/change-cause': `v${revision}`,
        })
        .ownedBy(d as Deployment)
        .obj();
      const { uid: _ru, creationTimestamp: _rc, ...rsMeta } = rs.metadata;
      await client.create('replicasets', { ...rs, metadata: rsMeta });
    }
    return client;
  }

  it('lists the revisions oldest first, with change causes and templates without the hash label', async () => {
    const client = await withHistory();
    const history = await deploymentHistory(client, 'default', 'web');
    expect(
      history.map((h) => [h.revision, h.replicaSet, h.changeCause, h.template.spec.containers[0]?.image]),
    ).toEqual([
      [1, 'web-h1', 'v1', 'v1'],
      [2, 'web-h2', 'v2', 'v2'],
      [3, 'web-h3', 'v3', 'v3'],
    ]);
    expect(history[0]?.template.metadata.labels).toEqual({ app: 'web' });
  });

  it.each([
    [undefined, 2, 'v2'],
    [1, 1, 'v1'],
  ])('undoes to revision %s → %i', async (to, revision, image) => {
    const client = await withHistory();
    expect(await rollbackDeployment(client, 'default', 'web', to)).toEqual({
      action: 'rolled back',
      revision,
      message: 'deployment.apps/web rolled back',
    });
    const d = await client.get<Deployment>('deployments', 'default', 'web');
    expect(d.spec.template.spec.containers[0]?.image).toBe(image);
    expect(d.spec.template.metadata.labels).toEqual({ app: 'web' });
  });

  it('skips a rollback to the template already running', async () => {
    const client = await withHistory();
    expect(await rollbackDeployment(client, 'default', 'web', 3)).toMatchObject({
      action: 'skipped',
      message: 'skipped rollback (current template already matches revision 3)',
    });
  });

  it.each([
    [{}, 9, 'unable to find specified revision 9 in history'],
    [
      { paused: true },
      undefined,
      "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again",
    ],
  ])('refuses %o to revision %s', async (options, to, message) => {
    const client = await withHistory(options);
    const err = await rollbackDeployment(client, 'default', 'web', to).catch((e: unknown) => e);
    expect(isRollbackRefused(err)).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});

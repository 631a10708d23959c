import { describe, expect, it } from 'vitest';
import type { Pod } from '../../protocol/resources/pod.js';
import { makeDaemonSet, makePod, makeReplicaSet } from '../../protocol/testing/builders.js';
import { drainRefusal, planDrain } from './drain.js';

const rs = makeReplicaSet('web').obj();
const ds = makeDaemonSet('logs').obj();
const managed = makePod('web-1').node('n1').ownedBy(rs, { controller: true }).obj();
const bare = makePod('bare').node('n1').obj();
const daemon = makePod('logs-1').node('n1').ownedBy(ds, { controller: true }).obj();
const scratch = makePod('scratch')
  .node('n1')
  .ownedBy(rs, { controller: true })
  .volume({ name: 'tmp', emptyDir: {} })
  .obj();
const done = makePod('done').node('n1').phase('Succeeded').obj();

const none = { force: false, ignoreDaemonSets: false, deleteEmptyDirData: false };
const names = (pods: readonly Pod[]) => pods.map((p) => p.metadata.name);
const dsExists = () => true;

describe('planDrain (kubectl drain filters)', () => {
  it.each([
    ['a managed pod is deleted', [managed], none, ['web-1'], '', []],
    ['a finished bare pod is deleted', [done], none, ['done'], '', []],
    [
      'an unmanaged pod is refused without --force',
      [bare],
      none,
      [],
      '',
      ['cannot delete cannot delete Pods that declare no controller (use --force to override): default/bare'],
    ],
    [
      'with --force it is deleted with a warning',
      [bare],
      { ...none, force: true },
      ['bare'],
      'deleting Pods that declare no controller: default/bare',
      [],
    ],
    [
      'a DaemonSet pod is refused without --ignore-daemonsets',
      [daemon],
      none,
      [],
      '',
      ['cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/logs-1'],
    ],
    [
      'with --ignore-daemonsets it is left running, with a warning',
      [daemon, managed],
      { ...none, ignoreDaemonSets: true },
      ['web-1'],
      'ignoring DaemonSet-managed Pods: default/logs-1',
      [],
    ],
    [
      'emptyDir data is refused without --delete-emptydir-data',
      [scratch],
      none,
      [],
      '',
      ['cannot delete Pods with local storage (use --delete-emptydir-data to override): default/scratch'],
    ],
    [
      'with --delete-emptydir-data it is deleted (the warning is lost to the last filter, as in kubectl)',
      [scratch],
      { ...none, deleteEmptyDirData: true },
      ['scratch'],
      '',
      [],
    ],
  ])('%s', (_what, pods, options, deleted, warning, errors) => {
    const plan = planDrain(pods, options, dsExists);
    expect(names(plan.toDelete)).toEqual(deleted);
    expect(plan.warning).toBe(warning);
    expect(plan.errors).toEqual(errors);
  });

  it('groups pods per reason, terminating pods included (as kubectl 1.32)', () => {
    const other = makePod('bare2').node('n1').obj();
    const going = makePod('going').node('n1').deleting().obj();
    const plan = planDrain([bare, other, going, daemon], none, dsExists);
    expect(plan.errors).toEqual([
      'cannot delete cannot delete Pods that declare no controller (use --force to override): default/bare, default/bare2, default/going',
      'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/logs-1',
    ]);
  });

  it('a pod whose DaemonSet is gone is deleted only with --force', () => {
    expect(planDrain([daemon], none, () => false).errors).toEqual([
      'cannot delete daemonsets.apps "logs" not found: default/logs-1',
    ]);
    expect(names(planDrain([daemon], { ...none, force: true }, () => false).toDelete)).toEqual(['logs-1']);
  });
});

describe('drainRefusal', () => {
  it.each([
    [
      ['cannot delete X: default/a'],
      'error: unable to drain node "n1" due to error: cannot delete X: default/a, continuing command...\nThere are pending nodes to be drained:\n n1\ncannot delete X: default/a',
    ],
    [
      ['cannot delete X: default/a', 'cannot delete Y: default/b'],
      'error: unable to drain node "n1" due to error: [cannot delete X: default/a, cannot delete Y: default/b], continuing command...\nThere are pending nodes to be drained:\n n1\ncannot delete X: default/a\ncannot delete Y: default/b',
    ],
  ])('%j', (errors, text) => {
    expect(drainRefusal('n1', errors)).toBe(text);
  });
});

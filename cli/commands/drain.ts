import { Args, Command, Flags } from '@oclif/core';
import { isReason } from '../../protocol/errors.js';
import type { DaemonSet } from '../../protocol/resources/daemonset.js';
import type { Pod } from '../../protocol/resources/pod.js';
import { connectionFlags } from '../client.js';
import { printApiError } from '../output/errors.js';
import { drainRefusal, planDrain } from '../writing/drain.js';
import { setUnschedulable } from '../writing/nodes.js';
import { parseDuration, sleep, withConnection } from '../writing/run.js';

/**
 * `skiff drain NODE`: cordons the node, then deletes its pods (Skiff serves no eviction
 * subresource, so this is kubectl's fallback path: DELETE, then wait until each is gone), with
 * kubectl's refusals for DaemonSet pods, pods with emptyDir data and pods no controller manages.
 */
export default class Drain extends Command {
  static override description = `Drain node in preparation for maintenance

The node is marked unschedulable, then its pods are deleted and the command waits until they
are gone. Pods of a DaemonSet are refused unless --ignore-daemonsets (they are left running),
pods with emptyDir data unless --delete-emptydir-data, and pods that no controller manages
(they would not come back) unless --force. When ready, uncordon the node.`;

  static override examples = [
    '<%= config.bin %> drain n1 --ignore-daemonsets',
    '<%= config.bin %> drain n1 --ignore-daemonsets --delete-emptydir-data --force',
    '<%= config.bin %> drain n1 --grace-period=5 --timeout=60s',
  ];

  static override args = { node: Args.string({ description: 'Node name', required: true }) };

  static override flags = {
    server: connectionFlags.server,
    force: Flags.boolean({ description: 'Also delete pods that no controller manages' }),
    'ignore-daemonsets': Flags.boolean({
      description: 'Leave DaemonSet-managed pods running instead of refusing',
    }),
    'delete-emptydir-data': Flags.boolean({
      description: 'Also delete pods with emptyDir data (it is lost)',
    }),
    'grace-period': Flags.integer({
      description: "Seconds each pod gets to stop (-1: the pod's own)",
      default: -1,
    }),
    timeout: Flags.string({ description: 'How long to wait before giving up (0: no limit)', default: '0s' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Drain);
    let timeoutMs: number;
    try {
      timeoutMs = parseDuration(flags.timeout);
    } catch (err) {
      printApiError(err);
      return;
    }
    await withConnection(flags, async (conn) => {
      const { client } = conn;
      process.stdout.write(`${await setUnschedulable(client, args.node, true)}\n`);
      const pods = await client.listAll<Pod>('pods', { fieldSelector: `spec.nodeName=${args.node}` });
      const daemonSets = await client.listAll<DaemonSet>('daemonsets');
      const existing = new Set(daemonSets.items.map((d) => `${d.metadata.namespace}/${d.metadata.name}`));
      const plan = planDrain(
        pods.items,
        {
          force: flags.force,
          ignoreDaemonSets: flags['ignore-daemonsets'],
          deleteEmptyDirData: flags['delete-emptydir-data'],
        },
        (ns, name) => existing.has(`${ns}/${name}`),
      );
      if (plan.errors.length > 0) {
        process.stderr.write(`${drainRefusal(args.node, plan.errors)}\n`);
        process.exitCode = 1;
        return;
      }
      if (plan.warning) process.stderr.write(`Warning: ${plan.warning}\n`);
      const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
      let pending = plan.toDelete.map((p) => ({
        ns: p.metadata.namespace ?? '',
        name: p.metadata.name ?? '',
        uid: p.metadata.uid,
      }));
      for (const p of pending) {
        await client
          .delete(
            'pods',
            p.ns,
            p.name,
            flags['grace-period'] >= 0 ? { gracePeriodSeconds: flags['grace-period'] } : {},
          )
          .catch((err: unknown) => {
            if (!isReason(err, 'NotFound')) throw err;
          });
      }
      // As kubectl: each pod is reported once it is gone (or replaced by a new pod of its name).
      while (pending.length > 0) {
        const still: typeof pending = [];
        for (const p of pending) {
          const live = await client.get<Pod>('pods', p.ns, p.name).catch((err: unknown) => {
            if (isReason(err, 'NotFound')) return undefined;
            throw err;
          });
          if (live && live.metadata.uid === p.uid) still.push(p);
          else process.stdout.write(`pod/${p.name} deleted\n`);
        }
        pending = still;
        if (pending.length === 0) break;
        if (Date.now() >= deadline) {
          const left = pending.map((p) => `pod/${p.name}`).join('\n');
          process.stderr.write(
            `There are pending pods in node "${args.node}" when an error occurred: global timeout reached: ${flags.timeout}\n${left}\n`,
          );
          process.stderr.write(`${drainRefusal(args.node, [`global timeout reached: ${flags.timeout}`])}\n`);
          process.exitCode = 1;
          return;
        }
        await sleep(200);
      }
      process.stdout.write(`node/${args.node} drained\n`);
    });
  }
}

import { Command, Flags } from '@oclif/core';
import { deploymentHistory } from '../../../protocol/client/rollout.js';
import { connectionFlags } from '../../client.js';
import { CommandError } from '../../output/errors.js';
import { toYaml } from '../../output/format.js';
import { deploymentName, historyText } from '../../writing/rollout.js';
import { withConnection } from '../../writing/run.js';

/** `skiff rollout history deploy/NAME`: the revisions and their change causes, as kubectl lists them. */
export default class RolloutHistory extends Command {
  static override description = `View rollout history

Lists the Deployment's revisions (one per ReplicaSet it kept) with their change cause;
--revision=N shows that revision's pod template.`;

  static override examples = [
    '<%= config.bin %> rollout history deployment/web',
    '<%= config.bin %> rollout history deploy/web --revision=2',
  ];

  static override strict = false;

  static override flags = {
    ...connectionFlags,
    revision: Flags.integer({ description: 'Show the pod template of this revision', min: 0 }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(RolloutHistory);
    await withConnection(flags, async (conn) => {
      const name = deploymentName(argv as string[], 'history');
      const revisions = await deploymentHistory(conn.client, conn.namespace, name);
      if (!flags.revision) {
        process.stdout.write(historyText(name, revisions));
        return;
      }
      const found = revisions.find((r) => r.revision === flags.revision);
      if (!found) throw new CommandError(`unable to find the specified revision`);
      const template = toYaml(found.template)
        .split('\n')
        .map((l) => (l === '' ? l : `  ${l}`))
        .join('\n');
      process.stdout.write(
        `deployment.apps/${name} with revision #${found.revision}\nPod Template:\n${template}\n`,
      );
    });
  }
}

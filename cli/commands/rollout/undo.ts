import { Command, Flags } from '@oclif/core';
import { isRollbackRefused, rollbackDeployment } from '../../../protocol/client/rollout.js';
import { connectionFlags } from '../../client.js';
import { CommandError } from '../../output/errors.js';
import { deploymentName } from '../../writing/rollout.js';
import { withConnection } from '../../writing/run.js';

/** `skiff rollout undo deploy/NAME [--to-revision=N]`: back to a previous template (`rolled back`). */
export default class RolloutUndo extends Command {
  static override description = `Undo a previous rollout

Puts the pod template of an earlier revision (default: the one before the current) back
into the Deployment, which then rolls it out like any change.`;

  static override examples = [
    '<%= config.bin %> rollout undo deployment/web',
    '<%= config.bin %> rollout undo deploy/web --to-revision=1',
  ];

  static override strict = false;

  static override flags = {
    ...connectionFlags,
    'to-revision': Flags.integer({
      description: 'The revision to go back to (0: the previous one)',
      default: 0,
      min: 0,
    }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(RolloutUndo);
    await withConnection(flags, async (conn) => {
      const name = deploymentName(argv as string[], 'other');
      try {
        const result = await rollbackDeployment(conn.client, conn.namespace, name, flags['to-revision']);
        const line =
          result.action === 'rolled back' ? result.message : `deployment.apps/${name} ${result.message}`;
        process.stdout.write(`${line}\n`);
      } catch (err) {
        // The SDK's refusals (no history, unknown revision, paused) are kubectl's client-side errors.
        if (isRollbackRefused(err)) throw new CommandError((err as Error).message);
        throw err;
      }
    });
  }
}

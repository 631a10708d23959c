import { Command } from '@oclif/core';
import type { Deployment } from '../../../protocol/resources/deployment.js';
import { connectionFlags } from '../../client.js';
import { CommandError } from '../../output/errors.js';
import { deploymentName, restartPatch } from '../../writing/rollout.js';
import { withConnection } from '../../writing/run.js';

/** `skiff rollout restart deploy/NAME`: a new `restartedAt` in the template rolls every pod. */
export default class RolloutRestart extends Command {
  static override description = `Restart a resource

Stamps kubectl.kubernetes.io/restartedAt on the pod template, so the Deployment replaces its
pods with a rolling update.`;

  static override examples = ['<%= config.bin %> rollout restart deployment/web'];

  static override strict = false;

  static override flags = { ...connectionFlags };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(RolloutRestart);
    await withConnection(flags, async (conn) => {
      const name = deploymentName(argv as string[], 'other');
      const d = await conn.client.get<Deployment>('deployments', conn.namespace, name);
      if (d.spec.paused) {
        throw new CommandError(
          `deployments.apps "${name}" can't restart paused deployment (run rollout resume first)`,
        );
      }
      await conn.client.patch('deployments', conn.namespace, name, restartPatch(new Date()));
      process.stdout.write(`deployment.apps/${name} restarted\n`);
    });
  }
}

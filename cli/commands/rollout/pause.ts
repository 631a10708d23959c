import { Command } from '@oclif/core';
import type { Deployment } from '../../../protocol/resources/deployment.js';
import { connectionFlags } from '../../client.js';
import { CommandError } from '../../output/errors.js';
import { deploymentName } from '../../writing/rollout.js';
import { withConnection } from '../../writing/run.js';

/** `skiff rollout pause deploy/NAME`: template changes wait until resume (`deployment.apps/web paused`). */
export default class RolloutPause extends Command {
  static override description = `Mark the provided resource as paused

Changes to a paused Deployment's template are not rolled out until it is resumed; scaling still works.`;

  static override examples = ['<%= config.bin %> rollout pause deployment/web'];

  static override strict = false;

  static override flags = { ...connectionFlags };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(RolloutPause);
    await withConnection(flags, async (conn) => {
      const name = deploymentName(argv as string[], 'other');
      const d = await conn.client.get<Deployment>('deployments', conn.namespace, name);
      if (d.spec.paused) throw new CommandError(`deployments.apps "${name}" is already paused`);
      await conn.client.patch('deployments', conn.namespace, name, { spec: { paused: true } });
      process.stdout.write(`deployment.apps/${name} paused\n`);
    });
  }
}

import { Command } from '@oclif/core';
import type { Deployment } from '../../../protocol/resources/deployment.js';
import { connectionFlags } from '../../client.js';
import { CommandError } from '../../output/errors.js';
import { deploymentName } from '../../writing/rollout.js';
import { withConnection } from '../../writing/run.js';

/** `skiff rollout resume deploy/NAME`: paused template changes roll out (`deployment.apps/web resumed`). */
export default class RolloutResume extends Command {
  static override description = `Resume a paused resource

Template changes made while it was paused are rolled out now.`;

  static override examples = ['<%= config.bin %> rollout resume deployment/web'];

  static override strict = false;

  static override flags = { ...connectionFlags };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(RolloutResume);
    await withConnection(flags, async (conn) => {
      const name = deploymentName(argv as string[], 'other');
      const d = await conn.client.get<Deployment>('deployments', conn.namespace, name);
      if (!d.spec.paused) throw new CommandError(`deployments.apps "${name}" is not paused`);
      await conn.client.patch('deployments', conn.namespace, name, { spec: { paused: null } });
      process.stdout.write(`deployment.apps/${name} resumed\n`);
    });
  }
}

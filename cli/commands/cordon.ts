import { Args, Command } from '@oclif/core';
import { connectionFlags } from '../client.js';
import { setUnschedulable } from '../writing/nodes.js';
import { withConnection } from '../writing/run.js';

/** `skiff cordon NODE`: marks the node unschedulable (`node/n1 cordoned`). */
export default class Cordon extends Command {
  static override description =
    'Mark node as unschedulable: new pods are not placed on it, running ones stay';

  static override examples = ['<%= config.bin %> cordon n1'];

  static override args = { node: Args.string({ description: 'Node name', required: true }) };

  static override flags = { server: connectionFlags.server };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Cordon);
    await withConnection(flags, async (conn) => {
      process.stdout.write(`${await setUnschedulable(conn.client, args.node, true)}\n`);
    });
  }
}

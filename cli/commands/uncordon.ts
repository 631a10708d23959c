import { Args, Command } from '@oclif/core';
import { connectionFlags } from '../client.js';
import { setUnschedulable } from '../writing/nodes.js';
import { withConnection } from '../writing/run.js';

/** `skiff uncordon NODE`: marks the node schedulable (`node/n1 uncordoned`). */
export default class Uncordon extends Command {
  static override description = 'Mark node as schedulable again';

  static override examples = ['<%= config.bin %> uncordon n1'];

  static override args = { node: Args.string({ description: 'Node name', required: true }) };

  static override flags = { server: connectionFlags.server };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Uncordon);
    await withConnection(flags, async (conn) => {
      process.stdout.write(`${await setUnschedulable(conn.client, args.node, false)}\n`);
    });
  }
}

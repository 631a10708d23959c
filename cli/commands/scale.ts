import { Command, Flags } from '@oclif/core';
import { ApiError } from '../../protocol/errors.js';
import { connectionFlags } from '../client.js';
import { CommandError } from '../output/errors.js';
import { parseResourceArgs } from '../resources.js';
import { refLine } from '../writing/messages.js';
import { withConnection } from '../writing/run.js';

/** `skiff scale TYPE/NAME --replicas=N`: sets the replica count through the scale subresource. */
export default class Scale extends Command {
  static override description = `Set a new size for a deployment or replica set

The count is written through the scale subresource, so a later apply of the same manifest
keeps it unless the manifest's replicas changed.`;

  static override examples = [
    '<%= config.bin %> scale deployment/web --replicas=3',
    '<%= config.bin %> scale deploy web --replicas=0',
    '<%= config.bin %> scale rs/web-5d8f7 --replicas=2 -n shop',
  ];

  static override strict = false;

  static override flags = {
    ...connectionFlags,
    replicas: Flags.integer({ description: 'The new number of replicas', required: true, min: 0 }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Scale);
    await withConnection(flags, async (conn) => {
      const requests = parseResourceArgs(argv as string[]);
      if (requests.every((r) => r.names.length === 0)) {
        throw new CommandError('resource(s) were provided, but no name was specified');
      }
      for (const { type, names } of requests) {
        if (!type.subresources.scale) {
          // What kubectl prints when the server has no scale subresource for the type.
          throw new ApiError('NotFound', 'the server could not find the requested resource');
        }
        for (const name of names) {
          await conn.client.scale(type.plural, conn.namespace, name, flags.replicas);
          process.stdout.write(`${refLine(type, name, 'scaled')}\n`);
        }
      }
    });
  }
}

import { Command, Flags } from '@oclif/core';
import { connectionFlags, selectorFlag } from '../client.js';
import { dryRunFlag } from '../writing/flags.js';
import { runMapVerb } from '../writing/map-verb.js';
import { withConnection } from '../writing/run.js';

/** `skiff label TYPE NAME k=v k2-`: as `kubectl label`, printing `pod/web labeled`. */
export default class Label extends Command {
  static override description = `Update the labels on a resource

KEY=VALUE sets a label, KEY- removes it. Changing a value that is already set needs --overwrite.`;

  static override examples = [
    '<%= config.bin %> label pod web app=web',
    '<%= config.bin %> label deploy/web tier=front --overwrite',
    '<%= config.bin %> label pod web app-',
    '<%= config.bin %> label pods -l app=web team=a',
    '<%= config.bin %> label pods --all team=a',
  ];

  static override strict = false;

  static override flags = {
    ...connectionFlags,
    selector: selectorFlag,
    all: Flags.boolean({ description: 'Every object of the type in the namespace' }),
    overwrite: Flags.boolean({ description: 'Allow changing a label that already has a value' }),
    'dry-run': dryRunFlag,
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Label);
    await withConnection(flags, (conn) => runMapVerb(conn, 'label', argv as string[], flags));
  }
}

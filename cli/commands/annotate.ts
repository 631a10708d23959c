import { Command, Flags } from '@oclif/core';
import { connectionFlags, selectorFlag } from '../client.js';
import { dryRunFlag } from '../writing/flags.js';
import { runMapVerb } from '../writing/map-verb.js';
import { withConnection } from '../writing/run.js';

/** `skiff annotate TYPE NAME k=v k2-`: as `kubectl annotate`, printing `pod/web annotated`. */
export default class Annotate extends Command {
  static override description = `Update the annotations on a resource

KEY=VALUE sets a annotation, KEY- removes it. Changing a value that is already set needs --overwrite.`;

  static override examples = [
    '<%= config.bin %> annotate pod web app=web',
    '<%= config.bin %> annotate deploy/web tier=front --overwrite',
    '<%= config.bin %> annotate pod web app-',
    '<%= config.bin %> annotate pods -l app=web team=a',
    '<%= config.bin %> annotate pods --all team=a',
  ];

  static override strict = false;

  static override flags = {
    ...connectionFlags,
    selector: selectorFlag,
    all: Flags.boolean({ description: 'Every object of the type in the namespace' }),
    overwrite: Flags.boolean({ description: 'Allow changing a annotation that already has a value' }),
    'dry-run': dryRunFlag,
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Annotate);
    await withConnection(flags, (conn) => runMapVerb(conn, 'annotation', argv as string[], flags));
  }
}

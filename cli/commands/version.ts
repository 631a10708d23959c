import { Command, Flags } from '@oclif/core';
import { skiffVersion } from '../version.js';

/** `skiff version`: prints the client version, like `kubectl version --client`. */
export default class Version extends Command {
  static override description = 'Print the skiff version';
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version -o json'];
  static override flags = {
    output: Flags.string({ char: 'o', options: ['json', 'yaml'], description: 'Output format' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Version);
    const version = `v${skiffVersion()}`;
    if (flags.output === 'json') {
      this.log(JSON.stringify({ clientVersion: { gitVersion: version } }, null, 2));
    } else if (flags.output === 'yaml') {
      this.log(`clientVersion:\n  gitVersion: ${version}`);
    } else {
      this.log(`Client Version: ${version}`);
    }
  }
}

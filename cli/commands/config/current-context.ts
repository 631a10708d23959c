import { Command } from '@oclif/core';
import { configPath, readKubeconfig } from '../../config.js';
import { CommandError, printApiError } from '../../output/errors.js';

/** `skiff config current-context`. */
export default class CurrentContext extends Command {
  static override description = 'Display the current context of the config (SKIFF_CONFIG)';

  static override examples = ['<%= config.bin %> config current-context'];

  async run(): Promise<void> {
    await this.parse(CurrentContext);
    try {
      const name = readKubeconfig(configPath())['current-context'];
      if (!name) throw new CommandError('current-context is not set');
      process.stdout.write(`${name}\n`);
    } catch (err) {
      printApiError(err);
    }
  }
}

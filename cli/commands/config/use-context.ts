import { Args, Command } from '@oclif/core';
import { configPath, useContext } from '../../config.js';
import { CommandError, printApiError } from '../../output/errors.js';

/** `skiff config use-context NAME`. */
export default class UseContext extends Command {
  static override description = 'Set the current context in the config (SKIFF_CONFIG)';

  static override examples = ['<%= config.bin %> config use-context skiff'];

  static override args = { name: Args.string({ description: 'Context name', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(UseContext);
    try {
      if (!useContext(args.name, configPath())) {
        throw new CommandError(`no context exists with the name: "${args.name}"`);
      }
      process.stdout.write(`Switched to context "${args.name}".\n`);
    } catch (err) {
      printApiError(err);
    }
  }
}

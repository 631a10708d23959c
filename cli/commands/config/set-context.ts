import { Args, Command, Flags } from '@oclif/core';
import { configPath, readKubeconfig, setContext } from '../../config.js';
import { CommandError, printApiError } from '../../output/errors.js';

/** `skiff config set-context NAME|--current [--namespace=NS] [--cluster=C] [--user=U]`. */
export default class SetContext extends Command {
  static override description = `Set a context entry in the config (SKIFF_CONFIG)

Creates the context when it does not exist; an empty value (--namespace=) removes the field.`;

  static override examples = [
    '<%= config.bin %> config set-context --current --namespace=web',
    '<%= config.bin %> config set-context dev --cluster=skiff --user=skiff --namespace=dev',
  ];

  static override args = { name: Args.string({ description: 'Context name (or --current)' }) };

  static override flags = {
    current: Flags.boolean({ description: 'Modify the current context' }),
    namespace: Flags.string({ description: 'Default namespace of the context' }),
    cluster: Flags.string({ description: 'Cluster of the context' }),
    user: Flags.string({ description: 'User of the context' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SetContext);
    try {
      const path = configPath();
      let name = args.name;
      if (flags.current) {
        if (name !== undefined) throw new CommandError('you cannot specify a context name and --current');
        name = readKubeconfig(path)['current-context'] || undefined;
        if (name === undefined) throw new CommandError('no current context is set');
      }
      if (name === undefined)
        throw new CommandError('you must specify a non-empty context name or --current');
      const fields = {
        ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
        ...(flags.cluster !== undefined ? { cluster: flags.cluster } : {}),
        ...(flags.user !== undefined ? { user: flags.user } : {}),
      };
      const outcome = setContext(name, fields, path);
      process.stdout.write(`Context "${name}" ${outcome}.\n`);
    } catch (err) {
      printApiError(err);
    }
  }
}

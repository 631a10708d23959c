import { Args, Command, Flags } from '@oclif/core';
import { configPath, listContexts, readKubeconfig } from '../../config.js';
import { CommandError, printApiError } from '../../output/errors.js';
import { alignRows } from '../../output/table.js';

/** `skiff config get-contexts`: the contexts of SKIFF_CONFIG, as kubectl lists them. */
export default class GetContexts extends Command {
  static override description =
    'Describe one or many contexts of the config (SKIFF_CONFIG, default ~/.skiff/config)';

  static override examples = [
    '<%= config.bin %> config get-contexts',
    '<%= config.bin %> config get-contexts skiff',
    '<%= config.bin %> config get-contexts -o name',
  ];

  static override args = { name: Args.string({ description: 'Only this context' }) };

  static override flags = {
    output: Flags.string({ char: 'o', description: 'name: only the names', options: ['name'] }),
    'no-headers': Flags.boolean({ description: 'Do not print headers' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(GetContexts);
    try {
      let contexts = listContexts(readKubeconfig(configPath()));
      if (args.name !== undefined) {
        contexts = contexts.filter((c) => c.name === args.name);
        if (contexts.length === 0) throw new CommandError(`context ${args.name} not found`);
      }
      if (flags.output === 'name') {
        process.stdout.write(contexts.map((c) => `${c.name}\n`).join(''));
        return;
      }
      const header = ['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE'];
      const rows = contexts.map((c) => [c.current ? '*' : '', c.name, c.cluster, c.user, c.namespace]);
      process.stdout.write(alignRows(flags['no-headers'] ? rows : [header, ...rows]));
    } catch (err) {
      printApiError(err);
    }
  }
}

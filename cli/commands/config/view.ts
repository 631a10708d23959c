import { Command, Flags } from '@oclif/core';
import { configPath, type Kubeconfig, readKubeconfig } from '../../config.js';
import { CommandError, printApiError } from '../../output/errors.js';
import { toJson, toYaml } from '../../output/format.js';

/** `skiff config view [--minify] [-o yaml|json]`: the kubeconfig at SKIFF_CONFIG. */
export default class View extends Command {
  static override description = 'Display the config (SKIFF_CONFIG, default ~/.skiff/config)';

  static override examples = [
    '<%= config.bin %> config view',
    '<%= config.bin %> config view --minify',
    '<%= config.bin %> config view -o json',
  ];

  static override flags = {
    minify: Flags.boolean({ description: 'Only what the current context uses' }),
    flatten: Flags.boolean({
      description: 'Accepted for kubectl compatibility (Skiff keeps no files to inline)',
    }),
    output: Flags.string({ char: 'o', description: 'yaml (default) or json', options: ['yaml', 'json'] }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(View);
    try {
      let config: Kubeconfig = readKubeconfig(configPath());
      if (flags.minify) config = minify(config);
      process.stdout.write(flags.output === 'json' ? toJson(config) : toYaml(config));
    } catch (err) {
      printApiError(err);
    }
  }
}

/** The current context with only its cluster and user, as `kubectl config view --minify`. */
function minify(config: Kubeconfig): Kubeconfig {
  const name = config['current-context'];
  const context = config.contexts.find((c) => c.name === name);
  if (!name || !context) throw new CommandError('current-context must exist in order to minify');
  return {
    ...config,
    contexts: [context],
    clusters: config.clusters.filter((c) => c.name === context.context.cluster),
    users: config.users.filter((u) => u.name === context.context.user),
  };
}

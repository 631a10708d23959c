import { Args, Command, Flags } from '@oclif/core';
import { ApiClient } from '../../protocol/client/api-client.js';
import { HttpTransport } from '../../protocol/client/http.js';
import { resolveServer } from '../config.js';

/** `skiff exec POD -- CMD...`: runs a command in a pod's container, as `kubectl exec` does. */
export default class Exec extends Command {
  static override description =
    "Run a command in a container of a pod and print its output; exits with the command's exit code";

  static override examples = [
    '<%= config.bin %> exec web -- cat /etc/hostname',
    '<%= config.bin %> exec web -c main -- env',
  ];

  static override strict = false; // everything after `--` is the command

  static override args = { pod: Args.string({ description: 'Pod name', required: true }) };

  static override flags = {
    server: Flags.string({
      description: 'API server URL (default: $SKIFF_SERVER, then the current context)',
    }),
    namespace: Flags.string({ char: 'n', description: 'Namespace', default: 'default' }),
    container: Flags.string({ char: 'c', description: 'Container (default: the only one)' }),
    timeout: Flags.integer({ description: 'Seconds the command may run', default: 60 }),
  };

  async run(): Promise<void> {
    const { args, argv, flags } = await this.parse(Exec);
    const command = (argv as string[]).slice(1);
    if (command.length === 0) this.error('give the command after --: skiff exec POD -- CMD', { exit: 2 });
    const server = resolveServer(flags.server);
    if (!server) this.error('no API server: give --server, set SKIFF_SERVER, or run `skiff up`', { exit: 2 });
    const client = new ApiClient(new HttpTransport({ url: server }));
    try {
      const result = await client.exec(flags.namespace, args.pod, {
        command,
        timeoutSeconds: flags.timeout,
        ...(flags.container ? { container: flags.container } : {}),
      });
      process.stdout.write(result.stdout);
      process.stderr.write(result.stderr);
      process.exitCode = result.exitCode;
    } catch (err) {
      this.error((err as Error).message, { exit: 1 });
    } finally {
      await client.close();
    }
  }
}

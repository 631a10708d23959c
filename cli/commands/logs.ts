import { Args, Command, Flags } from '@oclif/core';
import { ApiClient } from '../../protocol/client/api-client.js';
import { HttpTransport } from '../../protocol/client/http.js';
import { resolveServer } from '../config.js';

/** `skiff logs POD`: a container's log, as `kubectl logs` prints it. */
export default class Logs extends Command {
  static override description = "Print the log of a pod's container";

  static override examples = [
    '<%= config.bin %> logs web',
    '<%= config.bin %> logs web -c main --tail 20',
    '<%= config.bin %> logs web --previous',
    '<%= config.bin %> logs -f web',
  ];

  static override args = { pod: Args.string({ description: 'Pod name', required: true }) };

  static override flags = {
    server: Flags.string({
      description: 'API server URL (default: $SKIFF_SERVER, then the current context)',
    }),
    namespace: Flags.string({ char: 'n', description: 'Namespace', default: 'default' }),
    container: Flags.string({ char: 'c', description: 'Container (default: the only one)' }),
    tail: Flags.integer({ description: 'Only the last N lines', min: 0 }),
    since: Flags.integer({ description: 'Only lines of the last N seconds', min: 1 }),
    previous: Flags.boolean({ char: 'p', description: 'The previous run of the container' }),
    follow: Flags.boolean({
      char: 'f',
      description: 'Keep printing as the log grows, until the container stops',
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Logs);
    const server = resolveServer(flags.server);
    if (!server) this.error('no API server: give --server, set SKIFF_SERVER, or run `skiff up`', { exit: 2 });
    const client = new ApiClient(new HttpTransport({ url: server }));
    const options = {
      ...(flags.container ? { container: flags.container } : {}),
      ...(flags.tail !== undefined ? { tailLines: flags.tail } : {}),
      ...(flags.since !== undefined ? { sinceSeconds: flags.since } : {}),
      ...(flags.previous ? { previous: true } : {}),
    };
    try {
      if (flags.follow) {
        // Ctrl-C ends following quietly, as with kubectl.
        const stop = new AbortController();
        const interrupt = () => stop.abort();
        process.once('SIGINT', interrupt);
        try {
          await client.followLogs(
            flags.namespace,
            args.pod,
            options,
            (text) => process.stdout.write(text),
            stop.signal,
          );
        } finally {
          process.off('SIGINT', interrupt);
        }
      } else {
        process.stdout.write(await client.logs(flags.namespace, args.pod, options));
      }
    } catch (err) {
      this.error((err as Error).message, { exit: 1 });
    } finally {
      await client.close();
    }
  }
}

import { Args, Command, Flags } from '@oclif/core';
import type { PodLogQuery } from '../../protocol/client/api-client.js';
import type { Pod } from '../../protocol/resources/pod.js';
import { type Connection, connect, connectionFlags, selectorFlag } from '../client.js';
import { CommandError, printApiError } from '../output/index.js';

/** `skiff logs POD | -l SELECTOR`: a container's log, as `kubectl logs` prints it. */
export default class Logs extends Command {
  static override description = "Print the log of a pod's container (or of every pod a selector picks)";

  static override examples = [
    '<%= config.bin %> logs web',
    '<%= config.bin %> logs web -c main --tail 20',
    '<%= config.bin %> logs web --previous',
    '<%= config.bin %> logs -f web',
    '<%= config.bin %> logs -l app=web --prefix',
  ];

  static override args = { pod: Args.string({ description: 'Pod name (or -l)', required: false }) };

  static override flags = {
    ...connectionFlags,
    selector: selectorFlag,
    container: Flags.string({ char: 'c', description: 'Container (default: the only one)' }),
    tail: Flags.integer({
      description: 'Only the last N lines (-1: all; with -l the default is 10)',
      min: -1,
    }),
    since: Flags.integer({ description: 'Only lines of the last N seconds', min: 1 }),
    previous: Flags.boolean({ char: 'p', description: 'The previous run of the container' }),
    follow: Flags.boolean({
      char: 'f',
      description: 'Keep printing as the log grows, until the container stops',
    }),
    prefix: Flags.boolean({ description: 'Start each line with [pod/NAME/CONTAINER]' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Logs);
    let conn: Connection | undefined;
    try {
      if (!args.pod && !flags.selector) throw new CommandError('expected POD or -l SELECTOR');
      if (args.pod && flags.selector) throw new CommandError('only one of a pod name or -l may be given');
      conn = connect(flags);
      // kubectl reads the last 10 lines of each pod a selector picks, unless told otherwise.
      const tail = flags.tail ?? (flags.selector ? 10 : -1);
      const options: PodLogQuery = {
        ...(flags.container ? { container: flags.container } : {}),
        ...(tail >= 0 ? { tailLines: tail } : {}),
        ...(flags.since !== undefined ? { sinceSeconds: flags.since } : {}),
        ...(flags.previous ? { previous: true } : {}),
      };
      const pods: Pod[] = args.pod
        ? [await conn.client.get<Pod>('pods', conn.namespace, args.pod)]
        : [
            ...(
              await conn.client.list<Pod>('pods', {
                namespace: conn.namespace,
                labelSelector: flags.selector,
              })
            ).items,
          ];
      pods.sort((x, y) => String(x.metadata.name).localeCompare(String(y.metadata.name)));
      if (pods.length === 0) {
        process.stderr.write(`No resources found in ${conn.namespace} namespace.\n`);
        return;
      }
      await Promise.all(pods.map((pod) => this.printLog(conn as Connection, pod, options, flags)));
    } catch (err) {
      printApiError(err);
    } finally {
      await conn?.close();
    }
  }

  /** One pod's log; followed pods print side by side as their lines arrive. */
  private async printLog(
    conn: Connection,
    found: Pod,
    options: PodLogQuery,
    flags: { readonly follow: boolean; readonly prefix: boolean; readonly container?: string | undefined },
  ): Promise<void> {
    const pod = found.metadata.name as string;
    const container = flags.container ?? found.spec.containers[0]?.name ?? '';
    const prefix = flags.prefix ? `[pod/${pod}/${container}] ` : '';
    const write = (text: string) => process.stdout.write(prefix ? text.replace(/^(?=.)/gm, prefix) : text);
    if (!flags.follow) {
      write(await conn.client.logs(conn.namespace, pod, options));
      return;
    }
    // Ctrl-C ends following quietly, as with kubectl.
    const stop = new AbortController();
    const interrupt = () => stop.abort();
    process.once('SIGINT', interrupt);
    try {
      await conn.client.followLogs(conn.namespace, pod, options, write, stop.signal);
    } finally {
      process.off('SIGINT', interrupt);
    }
  }
}

import { Command, Flags } from '@oclif/core';
import { allNamespacesFlag, type Connection, connect, connectionFlags } from '../client.js';
import { CommandError, printApiError } from '../output/errors.js';
import { type EventLike, eventHeader, eventRow, sortEvents } from '../output/events.js';
import { alignRows } from '../output/table.js';
import { parseResourceArgs } from '../resources.js';

/** `skiff events`: kubectl events' table, `--for TYPE/NAME`, `--types`, `-w`. */
export default class Events extends Command {
  static override description = `List events

Prints a table of the most important information about events (oldest first), optionally only
those about one object (--for), and keeps printing new ones with -w.`;

  static override examples = [
    '<%= config.bin %> events',
    '<%= config.bin %> events -A',
    '<%= config.bin %> events --for pod/web-1',
    '<%= config.bin %> events --types=Warning -w',
  ];

  static override flags = {
    ...connectionFlags,
    'all-namespaces': allNamespacesFlag,
    for: Flags.string({ description: 'Only events about this object: TYPE/NAME (pod/web-1)' }),
    types: Flags.string({ description: 'Only these types: Normal,Warning' }),
    watch: Flags.boolean({ char: 'w', description: 'After listing, watch for new events (Ctrl-C ends)' }),
    'no-headers': Flags.boolean({ description: 'Do not print headers' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Events);
    let conn: Connection | undefined;
    try {
      const types = flags.types?.split(',').filter((t) => t !== '');
      for (const t of types ?? []) {
        if (t !== 'Normal' && t !== 'Warning') {
          throw new CommandError(`valid --types are Normal or Warning`);
        }
      }
      conn = connect(flags);
      const all = flags['all-namespaces'];
      const namespace = all ? undefined : conn.namespace;
      let fieldSelector: string | undefined;
      if (flags.for) {
        const [request] = parseResourceArgs([flags.for]);
        const name = request?.names[0];
        if (!request || !name || !flags.for.includes('/')) {
          throw new CommandError('--for must be in resource/name form');
        }
        fieldSelector = `involvedObject.kind=${request.type.kind},involvedObject.name=${name}`;
      }
      const keep = (e: EventLike) => !types || types.includes(e.type ?? '');
      const query = {
        ...(namespace ? { namespace } : {}),
        ...(fieldSelector ? { fieldSelector } : {}),
      };
      const list = await conn.client.listAll<EventLike>('events', query);
      const events = sortEvents(list.items.filter(keep));
      const widths: number[] = [];
      let headed = !flags['no-headers'] && events.length > 0;
      const header = eventHeader(all);
      if (events.length > 0) {
        const rows = events.map((e) => eventRow(e, all));
        process.stdout.write(alignRows(flags['no-headers'] ? rows : [header, ...rows], widths));
      } else if (!flags.watch) {
        process.stderr.write(
          namespace ? `No events found in ${namespace} namespace.\n` : 'No events found.\n',
        );
      }
      if (!flags.watch) return;
      const stop = new AbortController();
      const interrupt = () => stop.abort();
      process.once('SIGINT', interrupt);
      process.once('SIGTERM', interrupt);
      const w = await conn.client.watch(
        { resource: 'events', ...query, resourceVersion: list.metadata.resourceVersion },
        (event) => {
          if (event.type !== 'ADDED' && event.type !== 'MODIFIED') return;
          const e = event.object as EventLike;
          if (!keep(e)) return;
          const rows = [eventRow(e, all)];
          process.stdout.write(alignRows(headed || flags['no-headers'] ? rows : [header, ...rows], widths));
          headed = true;
        },
      );
      const aborted = new Promise<undefined>((resolve) =>
        stop.signal.addEventListener('abort', () => resolve(undefined)),
      );
      const ended = await Promise.race([w.closed, aborted]);
      await w.close();
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
      if (ended) throw ended;
    } catch (err) {
      printApiError(err);
    } finally {
      await conn?.close();
    }
  }
}

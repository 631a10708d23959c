import { Args, Command, Flags } from '@oclif/core';
import type { ResourceType } from '../../protocol/resources/registry.js';
import { type Connection, connect, listFlags } from '../client.js';
import { type DescribeContext, type DescribedEvent, describeObject } from '../output/describe.js';
import { errorLine, printApiError } from '../output/errors.js';
import { parseResourceArgs } from '../resources.js';

// biome-ignore lint/suspicious/noExplicitAny: describers read whatever shape the server stored
type Obj = Record<string, any>;

/** `skiff describe`: kubectl's describe text, with the object's related Events. */
export default class Describe extends Command {
  static override description = `Show details of a specific resource or group of resources

Prints a detailed description of the selected resources, including related resources such as
events or controllers. "describe TYPE" describes every object of the type.`;

  static override examples = [
    '<%= config.bin %> describe pod web-1',
    '<%= config.bin %> describe deploy/web',
    '<%= config.bin %> describe nodes',
    '<%= config.bin %> describe pods -l app=web',
  ];

  static override strict = false;

  static override args = {
    type: Args.string({ description: 'TYPE [NAME...] or TYPE/NAME' }),
  };

  static override flags = {
    ...listFlags,
    'show-events': Flags.boolean({ description: 'Show related events', default: true, allowNo: true }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Describe);
    let conn: Connection | undefined;
    try {
      const requests = parseResourceArgs(argv as string[]);
      conn = connect(flags);
      const namespace = flags['all-namespaces'] ? undefined : conn.namespace;
      const texts: string[] = [];
      const errors: unknown[] = [];
      for (const { type, names } of requests) {
        const objects: Obj[] = [];
        if (names.length === 0) {
          const list = await conn.client.listAll<Obj>(type.plural, {
            ...(namespace !== undefined && type.namespaced ? { namespace } : {}),
            ...(flags.selector ? { labelSelector: flags.selector } : {}),
            ...(flags['field-selector'] ? { fieldSelector: flags['field-selector'] } : {}),
          });
          objects.push(...list.items);
        }
        for (const name of names) {
          try {
            objects.push(await conn.client.get<Obj>(type.plural, conn.namespace, name));
          } catch (err) {
            errors.push(err);
          }
        }
        for (const obj of objects) {
          const ctx = await describeContext(conn, type, obj, flags['show-events']);
          texts.push(describeObject(type.kind, obj, ctx));
        }
      }
      process.stdout.write(texts.join('\n\n'));
      for (const err of errors) process.stderr.write(`${errorLine(err)}\n`);
      if (errors.length > 0) process.exitCode = 1;
      else if (texts.length === 0) {
        const scoped = namespace !== undefined && requests.some((r) => r.type.namespaced);
        process.stderr.write(
          scoped ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n',
        );
      }
    } catch (err) {
      printApiError(err);
    } finally {
      await conn?.close();
    }
  }
}

/** What a describer shows besides the object: its events, and per kind its related objects. */
async function describeContext(
  conn: Connection,
  type: ResourceType,
  obj: Obj,
  withEvents: boolean,
): Promise<DescribeContext> {
  const meta = obj.metadata ?? {};
  const namespace: string | undefined = meta.namespace || undefined;
  const events = withEvents
    ? (
        await conn.client.listAll<DescribedEvent>('events', {
          ...(namespace ? { namespace } : {}),
          fieldSelector: [
            `involvedObject.kind=${type.kind}`,
            `involvedObject.name=${meta.name}`,
            ...(meta.uid ? [`involvedObject.uid=${meta.uid}`] : []),
          ].join(','),
        })
      ).items
    : [];
  const ctx: { -readonly [K in keyof DescribeContext]: DescribeContext[K] } = { events };
  if (type.kind === 'Deployment') {
    ctx.replicaSets = (await conn.client.listAll<Obj>('replicasets', { namespace })).items;
  } else if (type.kind === 'Node') {
    ctx.pods = (
      await conn.client.listAll<Obj>('pods', { fieldSelector: `spec.nodeName=${meta.name}` })
    ).items;
  } else if (type.kind === 'Service') {
    ctx.endpoints = await conn.client
      .get<Obj>('endpoints', namespace ?? 'default', meta.name)
      .catch(() => undefined);
  }
  return ctx;
}

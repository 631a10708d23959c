import { Args, Command, Flags } from '@oclif/core';
import type { ObjectList } from '../../protocol/api.js';
import { isReason } from '../../protocol/errors.js';
import type { ResourceType } from '../../protocol/resources/registry.js';
import { type Connection, connect, getTable, listFlags, outputFlag, watchTable } from '../client.js';
import { CommandError, errorLine, printApiError } from '../output/errors.js';
import {
  asPrintable,
  type OutputFormat,
  parseOutputFormat,
  printsObjects,
  toCustomColumns,
  toJson,
  toJsonPath,
  toNames,
  toYaml,
} from '../output/format.js';
import { alignRows, printTable, type Table, type TableOptions, tableCells } from '../output/table.js';
import { kindPrefix, parseResourceArgs, type ResourceRequest } from '../resources.js';

/** `skiff get`: kubectl's get, tables from the server's printing, `-o` formats, `-w`. */
export default class Get extends Command {
  static override description = `Display one or many resources

Prints a table of the most important information about the resources (the server's columns,
as kubectl shows them), or whole objects with -o yaml|json, or names with -o name.`;

  static override examples = [
    '<%= config.bin %> get pods',
    '<%= config.bin %> get pods -o wide',
    '<%= config.bin %> get deploy web -o yaml',
    '<%= config.bin %> get pods,svc -A',
    '<%= config.bin %> get all',
    '<%= config.bin %> get pod/web-1 svc/web',
    '<%= config.bin %> get pods -l app=web --show-labels',
    '<%= config.bin %> get pods --field-selector status.phase=Running',
    "<%= config.bin %> get pods -o jsonpath='{.items[*].metadata.name}'",
    '<%= config.bin %> get pods -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName',
    '<%= config.bin %> get pods -w',
  ];

  static override strict = false;

  static override args = {
    type: Args.string({ description: 'TYPE[,TYPE...] (pods, po, deploy, all, ...) or TYPE/NAME' }),
  };

  static override flags = {
    ...listFlags,
    output: outputFlag,
    'show-labels': Flags.boolean({ description: 'Show all labels as the last column' }),
    'no-headers': Flags.boolean({ description: 'Do not print headers' }),
    watch: Flags.boolean({ char: 'w', description: 'After listing, watch for changes (Ctrl-C ends)' }),
    'ignore-not-found': Flags.boolean({ description: 'A named object that does not exist is not an error' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Get);
    let conn: Connection | undefined;
    try {
      const format = parseOutputFormat(flags.output);
      const requests = parseResourceArgs(argv as string[]);
      if (flags['all-namespaces'] && requests.some((r) => r.names.length > 0)) {
        throw new CommandError('a resource cannot be retrieved by name across all namespaces');
      }
      conn = connect(flags);
      const plan: GetPlan = {
        requests,
        format,
        namespace: flags['all-namespaces'] ? undefined : conn.namespace,
        labelSelector: flags.selector,
        fieldSelector: flags['field-selector'],
        showLabels: flags['show-labels'],
        noHeaders: flags['no-headers'],
        ignoreNotFound: flags['ignore-not-found'],
        showKind: requests.length > 1 || (argv as string[]).some((a) => /(^|,)all(,|$)/i.test(a)),
      };
      if (flags.watch) await watch(conn, plan);
      else await get(conn, plan);
    } catch (err) {
      printApiError(err);
    } finally {
      await conn?.close();
    }
  }
}

/** What to get and how to print it. */
interface GetPlan {
  readonly requests: readonly ResourceRequest[];
  readonly format: OutputFormat;
  /** Absent with -A. */
  readonly namespace: string | undefined;
  readonly labelSelector: string | undefined;
  readonly fieldSelector: string | undefined;
  readonly showLabels: boolean;
  readonly noHeaders: boolean;
  readonly ignoreNotFound: boolean;
  /** Names print as `pod/web` (several types, or `all`). */
  readonly showKind: boolean;
}

/** Lists or reads each request, prints what was found, then the errors (exit 1 if any). */
async function get(conn: Connection, plan: GetPlan): Promise<void> {
  const errors: unknown[] = [];
  const keep = (err: unknown) => {
    if (plan.ignoreNotFound && isReason(err, 'NotFound')) return;
    if (isReason(err, 'NotFound') || plan.requests.some((r) => r.names.length > 0)) errors.push(err);
    else throw err;
  };
  let found = 0;
  if (printsObjects(plan.format)) {
    const objects: { type: ResourceType; object: Loose }[] = [];
    for (const request of plan.requests) {
      for (const object of await fetchObjects(conn, plan, request, keep))
        objects.push({ type: request.type, object });
    }
    found = objects.length;
    const single = plan.requests.length === 1 && (plan.requests[0]?.names.length ?? 0) === 1;
    if (found > 0 || plan.format.kind === 'yaml' || plan.format.kind === 'json') {
      if (found > 0 || errors.length === 0) process.stdout.write(printObjects(plan, objects, single));
    }
  } else {
    const sections: string[] = [];
    for (const request of plan.requests) {
      const table = await fetchTable(conn, plan, request, keep);
      found += table.rows.length;
      const text = printTable(table, tableOptions(plan, request.type));
      if (text !== '') sections.push(text);
    }
    process.stdout.write(sections.join('\n'));
  }
  for (const err of errors) process.stderr.write(`${errorLine(err)}\n`);
  if (errors.length > 0) process.exitCode = 1;
  else if (found === 0 && !printsObjects(plan.format)) process.stderr.write(`${noResources(plan)}\n`);
}

/** kubectl's line for an empty result, on stderr. */
function noResources(plan: GetPlan): string {
  const namespaced = plan.requests.some((r) => r.type.namespaced);
  return plan.namespace && namespaced
    ? `No resources found in ${plan.namespace} namespace.`
    : 'No resources found';
}

function tableOptions(plan: GetPlan, type: ResourceType): TableOptions {
  return {
    wide: plan.format.kind === 'wide',
    withNamespace: plan.namespace === undefined && type.namespaced,
    ...(plan.showKind ? { kindPrefix: kindPrefix(type) } : {}),
    showLabels: plan.showLabels,
    noHeaders: plan.noHeaders,
  };
}

/** One request as a Table: the list, or the named objects' rows in the order asked. */
async function fetchTable(
  conn: Connection,
  plan: GetPlan,
  request: ResourceRequest,
  keep: (err: unknown) => void,
): Promise<Table> {
  const query = {
    ...(plan.namespace !== undefined ? { namespace: plan.namespace } : {}),
    ...(plan.labelSelector ? { labelSelector: plan.labelSelector } : {}),
    ...(plan.fieldSelector ? { fieldSelector: plan.fieldSelector } : {}),
  };
  if (request.names.length === 0) return getTable(conn, request.type, query);
  let merged: Table | undefined;
  for (const name of request.names) {
    try {
      const table = await getTable(conn, request.type, { ...query, namespace: conn.namespace, name });
      merged = merged ? { ...merged, rows: [...merged.rows, ...table.rows] } : table;
    } catch (err) {
      keep(err);
    }
  }
  return merged ?? { kind: 'Table', apiVersion: 'meta.k8s.io/v1', columnDefinitions: [], rows: [] };
}

type Loose = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };

/** One request as whole objects, each with its kind and apiVersion (lists leave them out). */
async function fetchObjects(
  conn: Connection,
  plan: GetPlan,
  request: ResourceRequest,
  keep: (err: unknown) => void,
): Promise<Loose[]> {
  const { type } = request;
  const typed = (o: Loose): Loose => ({ apiVersion: type.apiVersion, kind: type.kind, ...o });
  if (request.names.length === 0) {
    const list: ObjectList<Loose> = await conn.client.listAll<Loose>(type.plural, {
      ...(plan.namespace !== undefined && type.namespaced ? { namespace: plan.namespace } : {}),
      ...(plan.labelSelector ? { labelSelector: plan.labelSelector } : {}),
      ...(plan.fieldSelector ? { fieldSelector: plan.fieldSelector } : {}),
    });
    return list.items.map(typed);
  }
  const out: Loose[] = [];
  for (const name of request.names) {
    try {
      out.push(typed(await conn.client.get<Loose>(type.plural, conn.namespace, name)));
    } catch (err) {
      keep(err);
    }
  }
  return out;
}

function printObjects(
  plan: GetPlan,
  objects: readonly { type: ResourceType; object: Loose }[],
  single: boolean,
) {
  const items = objects.map((o) => o.object);
  switch (plan.format.kind) {
    case 'yaml':
      return toYaml(asPrintable(items, single));
    case 'json':
      return toJson(asPrintable(items, single));
    case 'name':
      return objects.map((o) => toNames([o.object], kindPrefix(o.type))).join('');
    case 'jsonpath':
      return toJsonPath(plan.format.template, asPrintable(items, single));
    case 'custom-columns':
      return toCustomColumns(plan.format.columns, items, { noHeaders: plan.noHeaders });
    default:
      return '';
  }
}

/**
 * `get -w`: the table, then one row per change (widths remembered, as kubectl's tabwriter does),
 * until Ctrl-C. One type only, as kubectl; a name watches that object alone.
 */
async function watch(conn: Connection, plan: GetPlan): Promise<void> {
  const [request, ...others] = plan.requests;
  if (!request || others.length > 0) throw new CommandError('you may only specify a single resource type');
  if (request.names.length > 1) {
    throw new CommandError(
      `watch is only supported on individual resources and resource collections, but ${request.names.length} resources were found`,
    );
  }
  const name = request.names[0];
  const fieldSelector = [plan.fieldSelector, name ? `metadata.name=${name}` : undefined]
    .filter((s): s is string => !!s)
    .join(',');
  const watchPlan: GetPlan = { ...plan, fieldSelector: fieldSelector || undefined };
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    if (printsObjects(plan.format)) return await watchObjects(conn, watchPlan, request.type, stop.signal);
    const options = tableOptions(watchPlan, request.type);
    const first = await fetchTable(conn, watchPlan, { type: request.type, names: [] }, () => undefined);
    const widths: number[] = [];
    let headed = first.rows.length > 0;
    // An empty list prints nothing (as kubectl): the header comes with the first row.
    if (headed) process.stdout.write(alignRows(tableCells(first, options), widths));
    await watchTable(
      conn,
      request.type,
      {
        ...(watchPlan.namespace !== undefined ? { namespace: watchPlan.namespace } : {}),
        ...(watchPlan.labelSelector ? { labelSelector: watchPlan.labelSelector } : {}),
        ...(watchPlan.fieldSelector ? { fieldSelector: watchPlan.fieldSelector } : {}),
        ...(first.metadata?.resourceVersion ? { resourceVersion: first.metadata.resourceVersion } : {}),
      },
      ({ table }) => {
        const cells = tableCells(table, { ...options, noHeaders: headed || options.noHeaders });
        headed = true;
        process.stdout.write(alignRows(cells, widths));
      },
      stop.signal,
    );
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

/** `get -w -o yaml|json|name|…`: each object as it changes. */
async function watchObjects(conn: Connection, plan: GetPlan, type: ResourceType, signal: AbortSignal) {
  const list = await conn.client.listAll<Loose>(type.plural, {
    ...(plan.namespace !== undefined && type.namespaced ? { namespace: plan.namespace } : {}),
    ...(plan.labelSelector ? { labelSelector: plan.labelSelector } : {}),
    ...(plan.fieldSelector ? { fieldSelector: plan.fieldSelector } : {}),
  });
  const print = (o: Loose) =>
    process.stdout.write(
      (plan.format.kind === 'yaml' ? '---\n' : '') +
        printObjects(plan, [{ type, object: { apiVersion: type.apiVersion, kind: type.kind, ...o } }], true),
    );
  list.items.forEach(print);
  const w = await conn.client.watch(
    {
      resource: type.plural,
      ...(plan.namespace !== undefined && type.namespaced ? { namespace: plan.namespace } : {}),
      ...(plan.labelSelector ? { labelSelector: plan.labelSelector } : {}),
      ...(plan.fieldSelector ? { fieldSelector: plan.fieldSelector } : {}),
      resourceVersion: list.metadata.resourceVersion,
    },
    (event) => {
      if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED')
        print(event.object as Loose);
    },
  );
  const aborted = new Promise<undefined>((resolve) =>
    signal.addEventListener('abort', () => resolve(undefined)),
  );
  const ended = await Promise.race([w.closed, aborted]);
  await w.close();
  if (ended) throw ended;
}

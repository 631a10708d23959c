/**
 * What every verb needs to reach the API: the common flags (kubectl's spellings and short flags),
 * the connection built from them (`--server`, else `SKIFF_SERVER`, else the current context; the
 * namespace from `-n`, else the context's, else `default`), and the two requests the SDK does not
 * make: a list or object as a server-side Table, and a watch of Tables (`get -w`).
 */
import { Flags } from '@oclif/core';
import { request } from 'undici';
import { ApiClient } from '../protocol/client/api-client.js';
import { HttpTransport, resourcePath } from '../protocol/client/http.js';
import { ApiError, errorFromStatus, reasonForCode, type Status, unavailable } from '../protocol/errors.js';
import type { ResourceType } from '../protocol/resources/registry.js';
import { configPath, currentContext, readKubeconfig, resolveServer } from './config.js';
import { CommandError } from './output/errors.js';
import type { Table } from './output/table.js';

/** `-s/--server`. */
export const serverFlag = Flags.string({
  char: 's',
  description: 'API server URL (default: $SKIFF_SERVER, then the current context)',
  helpGroup: 'GLOBAL',
});
/** `-n/--namespace`. */
export const namespaceFlag = Flags.string({
  char: 'n',
  description: "Namespace (default: the current context's, else default)",
});
/** `-A/--all-namespaces`. */
export const allNamespacesFlag = Flags.boolean({
  char: 'A',
  description: 'Every namespace (the namespace of the context is ignored, even with -n)',
});
/** `-l/--selector`. */
export const selectorFlag = Flags.string({
  char: 'l',
  description: 'Label selector (=, ==, !=, in, notin, key, !key), e.g. -l app=web,tier!=db',
});
/** `--field-selector`. */
export const fieldSelectorFlag = Flags.string({
  description: 'Field selector (=, ==, !=), e.g. --field-selector status.phase=Running',
});
/** `-o/--output`. */
export const outputFlag = Flags.string({
  char: 'o',
  description: 'Output format: wide|yaml|json|name|jsonpath=TEMPLATE|custom-columns=SPEC',
});

/** `--server` and `-n`: what any verb needs to reach objects. */
export const connectionFlags = { server: serverFlag, namespace: namespaceFlag };
/** The flags of a verb that lists (`get`, `delete -l`, ...). */
export const listFlags = {
  ...connectionFlags,
  'all-namespaces': allNamespacesFlag,
  selector: selectorFlag,
  'field-selector': fieldSelectorFlag,
};

/** A connection to the API, as the flags asked. */
export interface Connection {
  readonly client: ApiClient;
  /** `http://127.0.0.1:6443` */
  readonly server: string;
  /** The namespace to use: `-n`, else the current context's, else `default`. */
  readonly namespace: string;
  close(): Promise<void>;
}

/** Builds the client from `--server`/`SKIFF_SERVER`/the current context, and the namespace. */
export function connect(
  flags: { readonly server?: string | undefined; readonly namespace?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): Connection {
  const server = resolveServer(flags.server, env);
  if (!server) {
    throw new CommandError('no API server: give --server, set SKIFF_SERVER, or run `skiff up`');
  }
  const client = new ApiClient(new HttpTransport({ url: server }));
  return {
    client,
    server: server.replace(/\/+$/, ''),
    namespace: flags.namespace || contextNamespace(env) || 'default',
    close: () => client.close(),
  };
}

/** The current context's namespace in `SKIFF_CONFIG`, if it has one. */
export function contextNamespace(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    return currentContext(readKubeconfig(configPath(env)))?.namespace;
  } catch {
    // An unreadable config only loses the default namespace; the server still comes from flags/env.
    return undefined;
  }
}

/** Which objects a Table request covers. */
export interface TableQuery {
  /** Absent for cluster-scoped types and for `-A`. */
  readonly namespace?: string;
  /** One object; absent: the list. */
  readonly name?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

/** Reads a list (or one object) as the server's Table, as kubectl does for its default output. */
export async function getTable(conn: Connection, type: ResourceType, query: TableQuery): Promise<Table> {
  const path = resourcePath(type.plural, type.namespaced ? query.namespace : undefined, query.name);
  const params = new URLSearchParams();
  if (query.labelSelector) params.set('labelSelector', query.labelSelector);
  if (query.fieldSelector) params.set('fieldSelector', query.fieldSelector);
  const qs = params.toString();
  const url = `${conn.server}${path}${qs ? `?${qs}` : ''}`;
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(url, { headers: { accept: TABLE_ACCEPT }, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw connectionError(conn.server, err);
  }
  const text = await res.body.text();
  if (res.statusCode >= 200 && res.statusCode < 300) return JSON.parse(text) as Table;
  throw statusError(res.statusCode, text);
}

/** GETs any path of the API (discovery documents) as JSON; failures as getTable's. */
export async function getJson<T>(conn: Connection, path: string): Promise<T> {
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(`${conn.server}${path}`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw connectionError(conn.server, err);
  }
  const text = await res.body.text();
  if (res.statusCode >= 200 && res.statusCode < 300) return JSON.parse(text) as T;
  throw statusError(res.statusCode, text);
}

/** One change of a watched Table (`get -w`): the event type and a Table of one row. */
export interface TableEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly table: Table;
}

/**
 * Watches a list as Tables from `resourceVersion` on, calling `onEvent` for each change, until
 * `signal` aborts (resolves) or the stream fails (rejects). BOOKMARKs are skipped.
 */
export async function watchTable(
  conn: Connection,
  type: ResourceType,
  query: Omit<TableQuery, 'name'> & { readonly resourceVersion?: string },
  onEvent: (event: TableEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const path = resourcePath(type.plural, type.namespaced ? query.namespace : undefined);
  const params = new URLSearchParams({ watch: '1' });
  if (query.labelSelector) params.set('labelSelector', query.labelSelector);
  if (query.fieldSelector) params.set('fieldSelector', query.fieldSelector);
  if (query.resourceVersion) params.set('resourceVersion', query.resourceVersion);
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(`${conn.server}${path}?${params}`, {
      headers: { accept: TABLE_ACCEPT },
      signal,
      headersTimeout: 10_000,
      bodyTimeout: 0,
    });
  } catch (err) {
    if (signal.aborted) return;
    throw connectionError(conn.server, err);
  }
  if (res.statusCode !== 200) throw statusError(res.statusCode, await res.body.text());
  let pending = '';
  try {
    for await (const chunk of res.body) {
      pending += (chunk as Buffer).toString('utf8');
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line === '') continue;
        const event = JSON.parse(line) as { type: string; object: unknown };
        if (event.type === 'ERROR') throw errorFromStatus(event.object as Status);
        if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') {
          onEvent({ type: event.type, table: event.object as Table });
        }
      }
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}

/** A non-2xx answer as the ApiError its Status describes. */
function statusError(code: number, text: string): ApiError {
  try {
    const value = JSON.parse(text) as Status;
    if (value?.kind === 'Status') return errorFromStatus(value);
  } catch {
    // Not JSON: a proxy's page; reported with its code below.
  }
  return new ApiError(reasonForCode(code), `the server answered ${code}: ${text.slice(0, 200)}`);
}

/** A transport failure, worded as the SDK's (errorLine turns it into kubectl's connection line). */
function connectionError(base: string, err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const code = (err as { code?: string; cause?: { code?: string } }).code;
  if (code === 'ECONNREFUSED') return unavailable(`the API server at ${base} refused the connection`, err);
  const message = err instanceof Error ? err.message : String(err);
  return unavailable(`cannot reach the API server at ${base}: ${message}`, err);
}

/**
 * The CLI's config file is a kubeconfig (clusters, users, contexts, current-context), so the same
 * file serves `skiff` and `kubectl`. The CLI finds its cluster from `--server`, else
 * `SKIFF_SERVER`, else the current context of `SKIFF_CONFIG` (default `~/.skiff/config`).
 *
 * `skiff up` writes its context there, and merges the same context into the user's kubeconfig
 * (`KUBECONFIG`'s first file, else `~/.kube/config`) the way kind does, so plain `kubectl` works;
 * stopping takes out only what it put in. Edits keep every other entry and field of the file as it
 * was (the document is edited, not rebuilt), and land atomically (temp file + rename).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';

/** A context as Skiff writes one: a cluster address and a default namespace, under one name. */
export interface Context {
  readonly name: string;
  /** `http://127.0.0.1:6443` */
  readonly server: string;
  readonly namespace?: string;
}

/** A kubeconfig file, as far as Skiff reads it (other fields are kept untouched). */
export interface Kubeconfig {
  readonly apiVersion: 'v1';
  readonly kind: 'Config';
  readonly clusters: readonly { readonly name: string; readonly cluster: { readonly server?: string } }[];
  readonly users: readonly { readonly name: string; readonly user: Record<string, unknown> }[];
  readonly contexts: readonly {
    readonly name: string;
    readonly context: { readonly cluster?: string; readonly user?: string; readonly namespace?: string };
  }[];
  readonly 'current-context'?: string;
  readonly [field: string]: unknown;
}

/** Where Skiff's config lives: `SKIFF_CONFIG`, else `~/.skiff/config`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.SKIFF_CONFIG || join(homedir(), '.skiff', 'config');
}

/** The user's kubeconfig, as kubectl finds it: the first file of `KUBECONFIG`, else `~/.kube/config`. */
export function kubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = (env.KUBECONFIG ?? '').split(delimiter).find((p) => p !== '');
  return first ?? join(env.HOME || homedir(), '.kube', 'config');
}

/** Reads a kubeconfig; a missing or empty file is an empty one. Malformed entries are left out. */
export function readKubeconfig(path = configPath()): Kubeconfig {
  const doc = readDocument(path);
  const list = <T>(key: string, ok: (v: unknown) => v is T): T[] =>
    Array.isArray(doc[key]) ? (doc[key] as unknown[]).filter(ok) : [];
  return {
    ...doc,
    apiVersion: 'v1',
    kind: 'Config',
    clusters: list(
      'clusters',
      (v): v is Kubeconfig['clusters'][number] => named(v) && isObject((v as { cluster?: unknown }).cluster),
    ),
    users: list('users', (v): v is Kubeconfig['users'][number] => named(v)),
    contexts: list(
      'contexts',
      (v): v is Kubeconfig['contexts'][number] => named(v) && isObject((v as { context?: unknown }).context),
    ),
    ...(typeof doc['current-context'] === 'string' ? { 'current-context': doc['current-context'] } : {}),
  };
}

/** The current context of a kubeconfig, resolved to Skiff's `Context`, if it names a cluster with a server. */
export function currentContext(config: Kubeconfig): Context | undefined {
  const name = config['current-context'];
  const context = config.contexts.find((c) => c.name === name)?.context;
  const server = config.clusters.find((c) => c.name === context?.cluster)?.cluster.server;
  if (!name || !context || !server) return undefined;
  return { name, server, ...(context.namespace ? { namespace: context.namespace } : {}) };
}

/**
 * Adds (or replaces) a cluster, user and context named `context.name` and makes the context
 * current. Returns the context that was current before, so it can be restored.
 */
export function mergeContext(context: Context, path = configPath()): string | undefined {
  const doc = readDocument(path);
  const previous = typeof doc['current-context'] === 'string' ? doc['current-context'] : undefined;
  const replace = (key: string, entry: Record<string, unknown>) => {
    const others = Array.isArray(doc[key])
      ? (doc[key] as unknown[]).filter((e) => !(named(e) && (e as { name: string }).name === context.name))
      : [];
    doc[key] = [...others, entry];
  };
  replace('clusters', { name: context.name, cluster: { server: context.server } });
  replace('users', { name: context.name, user: {} });
  replace('contexts', {
    name: context.name,
    context: {
      cluster: context.name,
      user: context.name,
      ...(context.namespace ? { namespace: context.namespace } : {}),
    },
  });
  doc['current-context'] = context.name;
  writeDocument(path, doc);
  return previous === context.name ? undefined : previous;
}

/**
 * Takes out the cluster, user and context named `name` and nothing else. When it was current, the
 * context named `restore` becomes current again (if it still exists), else none is.
 */
export function removeContext(name: string, restore: string | undefined, path = configPath()): void {
  const doc = readDocument(path);
  for (const key of ['clusters', 'users', 'contexts']) {
    if (Array.isArray(doc[key])) {
      doc[key] = (doc[key] as unknown[]).filter((e) => !(named(e) && (e as { name: string }).name === name));
    }
  }
  if (doc['current-context'] === name) {
    const contexts = (doc.contexts as unknown[] | undefined) ?? [];
    const back = restore && contexts.some((e) => named(e) && (e as { name: string }).name === restore);
    doc['current-context'] = back ? restore : '';
  }
  writeDocument(path, doc);
}

/** The API address to use: explicit flag, `SKIFF_SERVER`, then the current context of `SKIFF_CONFIG`. */
export function resolveServer(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (flag) return flag;
  if (env.SKIFF_SERVER) return env.SKIFF_SERVER;
  return currentContext(readKubeconfig(configPath(env)))?.server;
}

function readDocument(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyDocument();
    throw err;
  }
  const value = parse(text) as unknown;
  return isObject(value) ? { ...emptyDocument(), ...value } : emptyDocument();
}

function emptyDocument(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [],
    users: [],
    contexts: [],
    'current-context': '',
  };
}

function writeDocument(path: string, doc: Record<string, unknown>): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, stringify(doc), { mode: 0o600 });
  renameSync(temp, path);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function named(value: unknown): boolean {
  return isObject(value) && typeof value.name === 'string';
}

/** The contexts of a kubeconfig, as `config get-contexts` lists them (by name). */
export function listContexts(config: Kubeconfig): {
  readonly name: string;
  readonly cluster: string;
  readonly user: string;
  readonly namespace: string;
  readonly current: boolean;
}[] {
  return config.contexts
    .map((c) => ({
      name: c.name,
      cluster: c.context.cluster ?? '',
      user: c.context.user ?? '',
      namespace: c.context.namespace ?? '',
      current: c.name === config['current-context'],
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Makes `name` the current context; false when no context has that name (nothing is written). */
export function useContext(name: string, path = configPath()): boolean {
  const doc = readDocument(path);
  const contexts = Array.isArray(doc.contexts) ? (doc.contexts as unknown[]) : [];
  if (!contexts.some((e) => named(e) && (e as { name: string }).name === name)) return false;
  doc['current-context'] = name;
  writeDocument(path, doc);
  return true;
}

/**
 * Sets fields of the context `name` (`config set-context`), creating it when missing; an empty
 * string removes a field, as kubectl does. Returns whether it was created or modified.
 */
export function setContext(
  name: string,
  fields: { readonly cluster?: string; readonly user?: string; readonly namespace?: string },
  path = configPath(),
): 'created' | 'modified' {
  const doc = readDocument(path);
  const contexts = Array.isArray(doc.contexts) ? [...(doc.contexts as unknown[])] : [];
  const index = contexts.findIndex((e) => named(e) && (e as { name: string }).name === name);
  const entry = (index >= 0 ? contexts[index] : { name, context: {} }) as Record<string, unknown>;
  const context: Record<string, unknown> = isObject(entry.context) ? { ...entry.context } : {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (value === '') delete context[key];
    else context[key] = value;
  }
  const updated = { ...entry, name, context };
  if (index >= 0) contexts[index] = updated;
  else contexts.push(updated);
  doc.contexts = contexts;
  writeDocument(path, doc);
  return index >= 0 ? 'modified' : 'created';
}

/**
 * The Redis store: objects in one hash per resource, a lexicographic key index per resource (for
 * namespace ranges and pagination), a node index for pods, and an outbox stream, all under one
 * hash tag per cluster. Writes are the Lua scripts in `scripts.ts`.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import {
  DEFAULT_TOMBSTONE_LIMIT,
  type DeleteOptions,
  type Durability,
  type FirstPageOptions,
  keyString,
  type ListOptions,
  type ListPage,
  type ListResult,
  type ObjectKey,
  type OutboxEntry,
  type Store,
  type StoredObject,
  StoreUnavailableError,
  splitForRevision,
  type UpdateOptions,
  type WatchEventType,
  type WriteFailure,
  type WriteOptions,
  type WriteResult,
} from '../store.js';
import {
  ACK_SCRIPT,
  LEASE_SCRIPT,
  LIST_SCRIPT,
  RAISE_SCRIPT,
  RELEASE_SCRIPT,
  WRITE_SCRIPT,
} from './scripts.js';

/** The resource whose objects are also indexed by node. */
const NODE_INDEXED = 'pods';

export interface RedisStoreOptions {
  /** `redis://host:port/db`. */
  readonly url: string;
  /** Key prefix; becomes the hash tag `{prefix}` so all keys share one cluster slot. */
  readonly prefix: string;
  readonly log: Logger;
  /** Extra ioredis options (tests: connect timeouts). */
  readonly redisOptions?: RedisOptions;
  /** Deletion tombstones kept per resource for continue pages (default DEFAULT_TOMBSTONE_LIMIT). */
  readonly tombstoneLimit?: number;
}

type ScriptReply = [string, number];

/**
 * Connections: `cmd` for every ordinary command (auto-pipelined), `blocking` only for the relay's
 * blocking XREAD, because a blocked connection can serve nothing else.
 */
export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  private readonly cmd: Redis;
  private blocking: Redis | undefined;
  private readonly tag: string;

  private constructor(private readonly options: RedisStoreOptions) {
    this.tag = `{${options.prefix}}`;
    this.cmd = new Redis(options.url, connectionOptions(options, 'cmd'));
    this.cmd.on('error', (err: Error) => options.log.warn({ err: err.message }, 'redis connection error'));
    this.cmd.defineCommand('skiffWrite', { numberOfKeys: 10, lua: WRITE_SCRIPT });
    this.cmd.defineCommand('skiffList', { numberOfKeys: 6, lua: LIST_SCRIPT });
    this.cmd.defineCommand('skiffAck', { numberOfKeys: 2, lua: ACK_SCRIPT });
    this.cmd.defineCommand('skiffRaise', { numberOfKeys: 1, lua: RAISE_SCRIPT });
    this.cmd.defineCommand('skiffLease', { numberOfKeys: 1, lua: LEASE_SCRIPT });
    this.cmd.defineCommand('skiffRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  }

  /** Connects and waits until Redis answers. */
  static async open(options: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(options);
    await store.cmd.connect();
    return store;
  }

  private k(...parts: string[]): string {
    return [this.tag, ...parts].join(':');
  }

  private nodeIndex(node: string): string {
    return this.k('pn', node);
  }

  async get(key: ObjectKey): Promise<string | undefined> {
    const json = await this.io('get', () => this.cmd.hget(this.k('o', key.resource), keyString(key)));
    return json ?? undefined;
  }

  list(resource: string, options?: FirstPageOptions): Promise<ListPage>;
  list(resource: string, options: ListOptions): Promise<ListResult>;
  async list(resource: string, options: ListOptions = {}): Promise<ListResult> {
    const index =
      options.node !== undefined && resource === NODE_INDEXED
        ? this.nodeIndex(options.node)
        : this.k('k', resource);
    const [min, max] = lexRange(options.namespace, options.after);
    const reply = (await this.run('skiffList', [
      this.k('rev'),
      index,
      this.k('o', resource),
      this.k('v', resource),
      this.k('del', resource),
      this.k('deltrim', resource),
      min,
      max,
      String(options.limit ?? 0),
      String(options.maxBytes ?? 0),
      options.revision === undefined ? '' : String(options.revision),
    ])) as string[];
    const [status, revision, more, ...items] = reply;
    if (status === 'expired') return { expired: true, revision: Number(revision) };
    return { items, revision: Number(revision), ...(more ? { more } : {}) };
  }

  create(key: ObjectKey, object: StoredObject, options: WriteOptions = {}): Promise<WriteResult> {
    return this.write('create', 'ADDED', key, object, { ...options, expectedRevision: 0 });
  }

  update(key: ObjectKey, object: StoredObject, options: UpdateOptions): Promise<WriteResult> {
    return this.write('update', 'MODIFIED', key, object, options);
  }

  delete(key: ObjectKey, object: StoredObject, options: DeleteOptions): Promise<WriteResult> {
    return this.write('delete', 'DELETED', key, object, { ...options, node: options.previousNode ?? '' });
  }

  private async write(
    mode: 'create' | 'update' | 'delete',
    type: WatchEventType,
    key: ObjectKey,
    object: StoredObject,
    options: UpdateOptions,
  ): Promise<WriteResult> {
    const { head, tail } = splitForRevision(object);
    const node = options.node ?? '';
    const fence = options.fence;
    const [status, revision] = (await this.run('skiffWrite', [
      this.k('rev'),
      this.k('o', key.resource),
      this.k('v', key.resource),
      this.k('k', key.resource),
      this.k('outbox'),
      this.nodeIndex(node),
      this.nodeIndex(options.previousNode ?? ''),
      this.k('o', 'leases'),
      this.k('del', key.resource),
      this.k('deltrim', key.resource),
      mode,
      keyString(key),
      String(options.expectedRevision),
      head,
      tail,
      key.resource,
      key.namespace,
      key.name,
      node,
      key.resource === NODE_INDEXED ? '1' : '0',
      fence ? keyString(fence.lease) : '',
      fence?.holderIdentity ?? '',
      String(fence?.leaseTransitions ?? 0),
      type,
      options.previous ?? '',
      String(this.options.tombstoneLimit ?? DEFAULT_TOMBSTONE_LIMIT),
    ])) as ScriptReply;
    if (status === 'ok') return { ok: true, revision, json: `${head}${revision}${tail}` };
    return { ok: false, reason: status as WriteFailure, ...(revision ? { current: revision } : {}) };
  }

  async revision(): Promise<number> {
    return Number((await this.io('revision', () => this.cmd.get(this.k('rev')))) ?? 0);
  }

  async raiseRevision(floor: number): Promise<number> {
    return Number(await this.run('skiffRaise', [this.k('rev'), String(floor)]));
  }

  async readOutbox(afterId: string, limit: number, blockMs: number): Promise<OutboxEntry[]> {
    this.blocking ??= await this.openBlocking();
    const args: (string | number)[] = ['COUNT', limit];
    if (blockMs > 0) args.push('BLOCK', blockMs);
    args.push('STREAMS', this.k('outbox'), afterId || '0-0');
    const blocking = this.blocking;
    const reply = (await this.io('readOutbox', () => blocking.call('XREAD', ...args))) as
      | [string, [string, string[]][]][]
      | null;
    if (!reply) return [];
    return (reply[0]?.[1] ?? []).map(([id, fields]) => outboxEntry(id, fields));
  }

  async ackOutbox(id: string): Promise<void> {
    await this.run('skiffAck', [this.k('outbox', 'cursor'), this.k('outbox'), id]);
  }

  async outboxCursor(): Promise<string> {
    return (await this.io('outboxCursor', () => this.cmd.get(this.k('outbox', 'cursor')))) ?? '';
  }

  async outboxLength(): Promise<number> {
    return this.io('outboxLength', () => this.cmd.xlen(this.k('outbox')));
  }

  async acquireRelayLease(owner: string, ttlMs: number): Promise<boolean> {
    return Number(await this.run('skiffLease', [this.k('relay'), owner, String(ttlMs)])) === 1;
  }

  async releaseRelayLease(owner: string): Promise<void> {
    await this.run('skiffRelease', [this.k('relay'), owner]);
  }

  async durability(): Promise<Durability> {
    try {
      const [, appendonly] = (await this.cmd.config('GET', 'appendonly')) as [string, string];
      const [, fsync] = (await this.cmd.config('GET', 'appendfsync')) as [string, string];
      const durable = appendonly === 'yes' && fsync === 'always';
      return { durable, detail: `appendonly=${appendonly} appendfsync=${fsync}` };
    } catch (err) {
      // Managed Redis often disables CONFIG: report it as unknown, which is not durable.
      return { durable: false, detail: `cannot read persistence settings: ${(err as Error).message}` };
    }
  }

  async close(): Promise<void> {
    this.blocking?.disconnect();
    await this.cmd.quit().catch((err: Error) => this.options.log.debug({ err: err.message }, 'redis quit'));
  }

  private async openBlocking(): Promise<Redis> {
    const conn = new Redis(this.options.url, connectionOptions(this.options, 'blocking'));
    conn.on('error', (err: Error) =>
      this.options.log.warn({ err: err.message }, 'redis (relay) connection error'),
    );
    await conn.connect();
    return conn;
  }

  private run(command: string, args: string[]): Promise<unknown> {
    const fn = (this.cmd as unknown as Record<string, (...a: string[]) => Promise<unknown>>)[command];
    if (!fn) throw new Error(`script ${command} is not defined`);
    return this.io(command, () => fn.apply(this.cmd, args));
  }

  /** Turns connection failures into StoreUnavailableError, which the API answers with 503. */
  private async io<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof Error && /NOSCRIPT|WRONGTYPE|ERR /.test(err.message)) throw err; // a bug, not an outage
      throw new StoreUnavailableError(operation, { cause: err });
    }
  }
}

/**
 * Connection settings. A write in flight when the connection drops must fail, never be resent:
 * resending a create that did commit would answer the client "already exists" for its own write.
 */
function connectionOptions(options: RedisStoreOptions, role: 'cmd' | 'blocking'): RedisOptions {
  return {
    lazyConnect: true,
    protocol: 2, // RESP2 replies keep the shapes this file parses (ioredis 6 defaults to RESP3)
    connectionName: `skiff-apiserver-${role}`,
    maxRetriesPerRequest: role === 'cmd' ? 0 : null,
    enableOfflineQueue: role === 'blocking',
    autoResendUnfulfilledCommands: false,
    enableAutoPipelining: role === 'cmd',
    retryStrategy: (times) => Math.min(50 * 2 ** times, 2000),
    ...options.redisOptions,
  };
}

/** The lexicographic range for a namespace and a pagination cursor. */
function lexRange(namespace: string | undefined, after: string | undefined): [string, string] {
  // '/' + 1 is '0': every `ns/...` key sorts strictly before `ns0`.
  let min = namespace === undefined ? '-' : `[${namespace}/`;
  const max = namespace === undefined ? '+' : `(${namespace}0`;
  if (after !== undefined && after !== '' && (min === '-' || after >= min.slice(1))) min = `(${after}`;
  return [min, max];
}

function outboxEntry(id: string, fields: string[]): OutboxEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] as string] = fields[i + 1] as string;
  return {
    id,
    revision: Number(f.r),
    type: f.t as WatchEventType,
    key: { resource: f.res ?? '', namespace: f.ns ?? '', name: f.nm ?? '' },
    node: f.nd ?? '',
    objectJson: f.o ?? '',
    previousJson: f.pv ?? '',
  };
}

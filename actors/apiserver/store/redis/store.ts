/**
 * The Redis store: objects in one hash per resource, a lexicographic key index per resource (for
 * namespace ranges and pagination), a node index for pods, and an outbox stream, all under one
 * hash tag per cluster. Writes are the Lua scripts in `scripts.ts`.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../../../../protocol/errors.js';
import {
  DEFAULT_OUTBOX_RETAIN,
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
  type OutboxState,
  type Store,
  type StoredObject,
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
  OUTBOX_STATE_SCRIPT,
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
  /** Acknowledged outbox entries kept for republishing (default DEFAULT_OUTBOX_RETAIN). */
  readonly outboxRetain?: number;
  /**
   * How long any command may take before it fails with StoreUnavailableError (default 5 s). A
   * blocking outbox read gets this on top of its blocking time.
   */
  readonly commandTimeoutMs?: number;
  /** Deletion tombstones kept per resource for continue pages (default DEFAULT_TOMBSTONE_LIMIT). */
  readonly tombstoneLimit?: number;
}

type ScriptReply = [string, number, string?];

const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;

/**
 * Connections: `cmd` for every ordinary command (auto-pipelined), `blocking` only for the relay's
 * blocking XREAD, because a blocked connection can serve nothing else.
 */
export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  private readonly cmd: Redis;
  private blocking: Redis | undefined;
  private readonly tag: string;
  private readonly reconnectListeners = new Set<() => void>();
  private everReady = false;
  private closing = false;

  private constructor(private readonly options: RedisStoreOptions) {
    this.tag = `{${options.prefix}}`;
    this.cmd = new Redis(options.url, connectionOptions(options, 'cmd'));
    this.cmd.on('error', (err: Error) => options.log.warn({ err: err.message }, 'redis connection error'));
    this.cmd.defineCommand('skiffWrite', { numberOfKeys: 11, lua: WRITE_SCRIPT });
    this.cmd.defineCommand('skiffList', { numberOfKeys: 6, lua: LIST_SCRIPT });
    this.cmd.defineCommand('skiffAck', { numberOfKeys: 3, lua: ACK_SCRIPT });
    this.cmd.defineCommand('skiffOutboxState', { numberOfKeys: 2, lua: OUTBOX_STATE_SCRIPT });
    this.cmd.defineCommand('skiffRaise', { numberOfKeys: 1, lua: RAISE_SCRIPT });
    this.cmd.defineCommand('skiffLease', { numberOfKeys: 1, lua: LEASE_SCRIPT });
    this.cmd.defineCommand('skiffRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    this.cmd.on('ready', () => {
      if (this.everReady) for (const listener of this.reconnectListeners) listener();
      this.everReady = true;
    });
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
    const { claims, ...rest } = options;
    return this.write('delete', 'DELETED', key, object, {
      ...rest,
      node: options.previousNode ?? '',
      ...(claims ? { claims: { take: [], release: claims.release } } : {}),
    });
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
    const [status, revision, claim] = (await this.run('skiffWrite', [
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
      this.k('claims'),
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
      (options.claims?.take ?? []).join('\n'),
      (options.claims?.release ?? []).join('\n'),
    ])) as ScriptReply;
    if (status === 'ok') return { ok: true, revision, json: `${head}${revision}${tail}` };
    return {
      ok: false,
      reason: status as WriteFailure,
      ...(revision ? { current: revision } : {}),
      ...(claim ? { claim } : {}),
    };
  }

  async revision(): Promise<number> {
    return Number((await this.io('revision', () => this.cmd.get(this.k('rev')))) ?? 0);
  }

  async raiseRevision(floor: number): Promise<number> {
    return Number(await this.run('skiffRaise', [this.k('rev'), String(floor)]));
  }

  async readOutbox(afterId: string, limit: number, blockMs: number): Promise<OutboxEntry[]> {
    const blocking = await this.blockingConnection();
    const args: (string | number)[] = ['COUNT', limit];
    if (blockMs > 0) args.push('BLOCK', blockMs);
    args.push('STREAMS', this.k('outbox'), afterId || '0-0');
    // ioredis leaves a command that was in flight when its connection dropped unsettled forever
    // (with autoResend off, which a blocking read needs). So the read races the connection's close
    // and a deadline, and a connection that failed either way is thrown away, never reused.
    let settle: ((err: Error) => void) | undefined;
    const lost = new Promise<never>((_, reject) => {
      settle = reject;
    });
    const onClose = () => settle?.(new Error('connection closed during a blocking read'));
    blocking.once('close', onClose);
    const timer = setTimeout(
      () => settle?.(new Error(`no reply within ${blockMs + this.commandTimeoutMs} ms`)),
      blockMs + this.commandTimeoutMs,
    );
    try {
      const reply = (await this.io('readOutbox', () =>
        Promise.race([blocking.call('XREAD', ...args), lost]),
      )) as [string, [string, string[]][]][] | null;
      if (!reply) return [];
      return (reply[0]?.[1] ?? []).map(([id, fields]) => outboxEntry(id, fields));
    } catch (err) {
      this.dropBlocking(blocking);
      throw err;
    } finally {
      clearTimeout(timer);
      blocking.off('close', onClose);
    }
  }

  async ackOutbox(
    owner: string,
    entry: Pick<OutboxEntry, 'id' | 'revision'>,
    count: number,
  ): Promise<boolean> {
    const moved = Number(
      await this.run('skiffAck', [
        this.k('outbox', 'ack'),
        this.k('outbox'),
        this.k('relay'),
        owner,
        entry.id,
        String(entry.revision),
        String(count),
        String(this.options.outboxRetain ?? DEFAULT_OUTBOX_RETAIN),
      ]),
    );
    return moved >= 0;
  }

  async outboxState(): Promise<OutboxState> {
    const [cursor, cursorRevision, pending, age, oldest] = (await this.run('skiffOutboxState', [
      this.k('outbox', 'ack'),
      this.k('outbox'),
    ])) as [string, number, number, number, number];
    return {
      cursor,
      cursorRevision: Number(cursorRevision),
      pending: Number(pending),
      oldestPendingAgeMs: Number(age),
      oldestRevision: Number(oldest),
    };
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
      const [, policy] = (await this.cmd.config('GET', 'maxmemory-policy')) as [string, string];
      // An evicting policy drops keys under memory pressure: acknowledged objects with `allkeys-*`,
      // and with `volatile-*` every key that has a TTL (Skiff's relay lease has one).
      const evicting = policy !== 'noeviction';
      const durable = appendonly === 'yes' && fsync === 'always' && !evicting;
      return {
        durable,
        detail: `appendonly=${appendonly} appendfsync=${fsync} maxmemory-policy=${policy}${evicting ? ' (evicts keys)' : ''}`,
      };
    } catch (err) {
      // Managed Redis often disables CONFIG: report it as unknown, which is not durable.
      return { durable: false, detail: `cannot read persistence settings: ${(err as Error).message}` };
    }
  }

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.blocking) this.dropBlocking(this.blocking);
    // QUIT waits for a reply: with Redis down it would wait for the command timeout.
    if (this.cmd.status !== 'ready') {
      this.cmd.disconnect();
      return;
    }
    await this.cmd.quit().catch((err: Error) => this.options.log.debug({ err: err.message }, 'redis quit'));
  }

  private get commandTimeoutMs(): number {
    return this.options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  }

  /** The relay's blocking connection, opened on first use and again after a failure. */
  private async blockingConnection(): Promise<Redis> {
    if (this.closing) throw new StoreUnavailableError('readOutbox', { cause: new Error('store closed') });
    if (this.blocking) return this.blocking;
    const conn = new Redis(this.options.url, connectionOptions(this.options, 'blocking'));
    conn.on('error', (err: Error) =>
      this.options.log.warn({ err: err.message }, 'redis (relay) connection error'),
    );
    try {
      await this.io('connect', () => withDeadline(conn.connect(), this.commandTimeoutMs, 'connect'));
    } catch (err) {
      conn.disconnect();
      throw err;
    }
    this.blocking = conn;
    return conn;
  }

  private dropBlocking(conn: Redis): void {
    if (this.blocking === conn) this.blocking = undefined;
    conn.disconnect();
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
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    enableAutoPipelining: role === 'cmd',
    // Blocking reads have their own deadline (blockMs on top of this), see readOutbox.
    ...(role === 'cmd' ? { commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS } : {}),
    // The blocking connection is replaced after any failure rather than reconnected.
    retryStrategy: role === 'cmd' ? (times) => Math.min(50 * 2 ** times, 2000) : () => null,
    ...options.redisOptions,
  };
}

/** Rejects with a plain error when `promise` has not settled within `ms`. */
function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
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

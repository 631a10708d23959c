/**
 * The embedded store: the same Store interface on one SQLite file (better-sqlite3), for `skiff up`
 * with no infrastructure. better-sqlite3 transactions are synchronous, so each write is atomic and
 * no other write can interleave with its checks. One API server owns a file at a time.
 */
import { EventEmitter } from 'node:events';
import Database from 'better-sqlite3';
import {
  DEFAULT_OUTBOX_RETAIN,
  DEFAULT_TOMBSTONE_LIMIT,
  type DeleteOptions,
  type Durability,
  type Fence,
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
  type WriteOptions,
  type WriteResult,
} from '../store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS objects (
  resource TEXT NOT NULL, key TEXT NOT NULL, rev INTEGER NOT NULL, node TEXT NOT NULL, json TEXT NOT NULL,
  PRIMARY KEY (resource, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS objects_by_node ON objects (resource, node, key);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, rev INTEGER NOT NULL, type TEXT NOT NULL, resource TEXT NOT NULL,
  ns TEXT NOT NULL, name TEXT NOT NULL, node TEXT NOT NULL, json TEXT NOT NULL, prev TEXT NOT NULL DEFAULT '',
  at INTEGER NOT NULL DEFAULT 0
);
-- Keys that left a list range (deleted; a pod leaving a node) after a revision: see list().
CREATE TABLE IF NOT EXISTS tombstones (
  resource TEXT NOT NULL, key TEXT NOT NULL, rev INTEGER NOT NULL,
  PRIMARY KEY (resource, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tombstones_by_rev ON tombstones (resource, rev);
-- Unique values objects hold (a Service's cluster IP and node ports): see Claims.
CREATE TABLE IF NOT EXISTS claims (claim TEXT PRIMARY KEY, owner TEXT NOT NULL) WITHOUT ROWID;
`;

interface OutboxRow {
  id: number;
  rev: number;
  type: WatchEventType;
  resource: string;
  ns: string;
  name: string;
  node: string;
  json: string;
  prev: string;
}

export interface SqliteStoreOptions {
  /** File path, or ':memory:' for tests. */
  readonly path: string;
  /** Injected time source for the relay lease and outbox ages. */
  readonly now?: () => number;
  /** Acknowledged outbox entries kept for republishing (default DEFAULT_OUTBOX_RETAIN). */
  readonly outboxRetain?: number;
  /** Deletion tombstones kept per resource for continue pages (default DEFAULT_TOMBSTONE_LIMIT). */
  readonly tombstoneLimit?: number;
}

/** Store on one SQLite file, in WAL mode with full fsync, so acknowledged writes survive a crash. */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly written = new EventEmitter();
  private readonly now: () => number;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly tombstoneLimit: number;
  private readonly outboxRetain: number;

  constructor(options: SqliteStoreOptions) {
    this.now = options.now ?? Date.now;
    this.tombstoneLimit = options.tombstoneLimit ?? DEFAULT_TOMBSTONE_LIMIT;
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
    this.outboxRetain = options.outboxRetain ?? DEFAULT_OUTBOX_RETAIN;
    // Files written before outbox entries carried their time.
    const columns = this.db.prepare('PRAGMA table_info(outbox)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'at')) {
      this.db.exec('ALTER TABLE outbox ADD COLUMN at INTEGER NOT NULL DEFAULT 0');
    }
    this.written.setMaxListeners(0);
  }

  async get(key: ObjectKey): Promise<string | undefined> {
    const row = this.stmt<{ json: string }>('SELECT json FROM objects WHERE resource = ? AND key = ?').get(
      key.resource,
      keyString(key),
    );
    return row?.json;
  }

  list(resource: string, options?: FirstPageOptions): Promise<ListPage>;
  list(resource: string, options: ListOptions): Promise<ListResult>;
  async list(resource: string, options: ListOptions = {}): Promise<ListResult> {
    // The key range, as SQL conditions shared by the page query and the tombstone check.
    const range: string[] = [];
    const rangeArgs: string[] = [];
    if (options.namespace !== undefined) {
      range.push('key >= ? AND key < ?');
      rangeArgs.push(`${options.namespace}/`, `${options.namespace}0`); // '/' + 1 is '0'
    }
    if (options.after) {
      range.push('key > ?');
      rangeArgs.push(options.after);
    }
    const where = ['resource = ?', ...range];
    const args: (string | number)[] = [resource, ...rangeArgs];
    if (options.node !== undefined && resource === 'pods') {
      where.push('node = ?');
      args.push(options.node);
    }
    const limit = options.limit ?? 0;
    const maxBytes = options.maxBytes ?? 0;
    const sql = `SELECT key, rev, json FROM objects WHERE ${where.join(' AND ')} ORDER BY key`;
    const read = this.db.transaction((): ListResult => {
      // Rows are read lazily, so a page bounded by bytes costs what it returns.
      const rows: { key: string; rev: number; json: string }[] = [];
      let bytes = 0;
      let more: string | undefined;
      for (const row of this.stmt<{ key: string; rev: number; json: string }>(sql).iterate(...args)) {
        const size = Buffer.byteLength(row.json) + (rows.length > 0 ? 1 : 0);
        if (
          rows.length > 0 &&
          ((limit > 0 && rows.length >= limit) || (maxBytes > 0 && bytes + size > maxBytes))
        ) {
          more = rows.at(-1)?.key;
          break; // leaving the loop ends the iterator, which releases the statement
        }
        rows.push(row);
        bytes += size;
      }
      const snapshot = options.revision;
      if (snapshot !== undefined && !this.unchangedSince(resource, snapshot, rows, range, rangeArgs, more)) {
        return { expired: true, revision: snapshot };
      }
      return {
        items: rows.map((r) => r.json),
        revision: snapshot ?? this.currentRevision(),
        ...(more !== undefined ? { more } : {}),
      };
    });
    return read();
  }

  /**
   * Whether a continue page read now equals the same page of the snapshot at `revision`: no item
   * on it is newer, no key in its range (to its last key when cut, else to the end) left after
   * `revision`, and no tombstone that could say so was trimmed. See LIST_SCRIPT for the Redis twin.
   */
  private unchangedSince(
    resource: string,
    revision: number,
    rows: readonly { rev: number }[],
    range: readonly string[],
    rangeArgs: readonly string[],
    last: string | undefined,
  ): boolean {
    if (Number(this.getMeta(`tombstones.trimmed.${resource}`) ?? 0) > revision) return false;
    if (rows.some((r) => r.rev > revision)) return false;
    const where = ['resource = ?', 'rev > ?', ...range, ...(last !== undefined ? ['key <= ?'] : [])];
    const args = [resource, revision, ...rangeArgs, ...(last !== undefined ? [last] : [])];
    const changed = this.stmt(`SELECT 1 FROM tombstones WHERE ${where.join(' AND ')} LIMIT 1`).get(...args);
    return changed === undefined;
  }

  /** Records that `key` left a list range at `revision`, keeping only the newest tombstones. */
  private tombstone(resource: string, key: string, revision: number): void {
    this.stmt('INSERT OR REPLACE INTO tombstones (resource, key, rev) VALUES (?, ?, ?)').run(
      resource,
      key,
      revision,
    );
    const oldest = this.stmt<{ rev: number }>(
      'SELECT rev FROM tombstones WHERE resource = ? ORDER BY rev DESC LIMIT 1 OFFSET ?',
    ).get(resource, this.tombstoneLimit);
    if (!oldest) return;
    this.stmt('DELETE FROM tombstones WHERE resource = ? AND rev <= ?').run(resource, oldest.rev);
    const trimmed = `tombstones.trimmed.${resource}`;
    if (oldest.rev > Number(this.getMeta(trimmed) ?? 0)) this.setMeta(trimmed, String(oldest.rev));
  }

  async create(key: ObjectKey, object: StoredObject, options: WriteOptions = {}): Promise<WriteResult> {
    return this.write('create', key, object, { ...options, expectedRevision: 0 });
  }

  async update(key: ObjectKey, object: StoredObject, options: UpdateOptions): Promise<WriteResult> {
    return this.write('update', key, object, options);
  }

  async delete(key: ObjectKey, object: StoredObject, options: DeleteOptions): Promise<WriteResult> {
    const { claims, ...rest } = options;
    return this.write('delete', key, object, {
      ...rest,
      node: options.previousNode ?? '',
      ...(claims ? { claims: { take: [], release: claims.release } } : {}),
    });
  }

  private write(
    mode: 'create' | 'update' | 'delete',
    key: ObjectKey,
    object: StoredObject,
    options: UpdateOptions,
  ): WriteResult {
    const { head, tail } = splitForRevision(object);
    const field = keyString(key);
    const node = key.resource === 'pods' ? (options.node ?? '') : '';
    const tx = this.db.transaction((): WriteResult => {
      if (options.fence && !this.fenceHolds(options.fence)) return { ok: false, reason: 'fenced' };
      const current = this.stmt<{ rev: number; node: string }>(
        'SELECT rev, node FROM objects WHERE resource = ? AND key = ?',
      ).get(key.resource, field);
      if (mode === 'create' && current) return { ok: false, reason: 'exists', current: current.rev };
      if (mode !== 'create') {
        if (!current) return { ok: false, reason: 'not-found' };
        if (current.rev !== options.expectedRevision)
          return { ok: false, reason: 'conflict', current: current.rev };
      }
      const owner = `${key.resource}/${field}`;
      const claims = options.claims ?? { take: [], release: [] };
      for (const claim of claims.take) {
        const holder = this.stmt<{ owner: string }>('SELECT owner FROM claims WHERE claim = ?').get(claim);
        if (holder && holder.owner !== owner) return { ok: false, reason: 'claimed', claim };
      }
      const revision = this.currentRevision() + 1;
      this.setMeta('revision', String(revision));
      const json = `${head}${revision}${tail}`;
      for (const claim of claims.release) {
        this.stmt('DELETE FROM claims WHERE claim = ? AND owner = ?').run(claim, owner);
      }
      for (const claim of claims.take) {
        this.stmt('INSERT OR REPLACE INTO claims (claim, owner) VALUES (?, ?)').run(claim, owner);
      }
      if (mode === 'delete') {
        this.stmt('DELETE FROM objects WHERE resource = ? AND key = ?').run(key.resource, field);
        this.tombstone(key.resource, field, revision);
      } else {
        // A pod leaving a node leaves that node's list range: a tombstone, as a delete does.
        if (mode === 'update' && current && current.node !== node)
          this.tombstone(key.resource, field, revision);
        this.db
          .prepare('INSERT OR REPLACE INTO objects (resource, key, rev, node, json) VALUES (?, ?, ?, ?, ?)')
          .run(key.resource, field, revision, node, json);
      }
      const type: WatchEventType = mode === 'create' ? 'ADDED' : mode === 'update' ? 'MODIFIED' : 'DELETED';
      this.db
        .prepare(
          'INSERT INTO outbox (rev, type, resource, ns, name, node, json, prev, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          revision,
          type,
          key.resource,
          key.namespace,
          key.name,
          options.node ?? '',
          json,
          options.previous ?? '',
          this.now(),
        );
      return { ok: true, revision, json };
    });
    const result = tx();
    if (result.ok) this.written.emit('write');
    return result;
  }

  private fenceHolds(fence: Fence): boolean {
    const row = this.stmt<{ json: string }>('SELECT json FROM objects WHERE resource = ? AND key = ?').get(
      'leases',
      keyString(fence.lease),
    );
    if (!row) return false;
    const spec = (JSON.parse(row.json) as { spec?: { holderIdentity?: string; leaseTransitions?: number } })
      .spec;
    return (
      spec?.holderIdentity === fence.holderIdentity &&
      (spec?.leaseTransitions ?? 0) === fence.leaseTransitions
    );
  }

  async revision(): Promise<number> {
    return this.currentRevision();
  }

  async raiseRevision(floor: number): Promise<number> {
    const tx = this.db.transaction(() => {
      const current = this.currentRevision();
      if (floor > current) this.setMeta('revision', String(floor));
      return Math.max(floor, current);
    });
    return tx();
  }

  async readOutbox(afterId: string, limit: number, blockMs: number): Promise<OutboxEntry[]> {
    const read = () =>
      this.stmt<OutboxRow>('SELECT * FROM outbox WHERE id > ? ORDER BY id LIMIT ?')
        .all(Number(afterId || 0), limit)
        .map(toEntry);
    const now = read();
    if (now.length > 0 || blockMs <= 0) return now;
    // SQLite cannot block; writes in this process wake the reader instead.
    await new Promise<void>((resolve) => {
      // Not unref'd: the relay awaits this, and a stop must be able to wait for it to return.
      const timer = setTimeout(done, blockMs);
      this.written.once('write', done);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
    return read();
  }

  async ackOutbox(
    owner: string,
    entry: Pick<OutboxEntry, 'id' | 'revision'>,
    _count: number,
  ): Promise<boolean> {
    const tx = this.db.transaction(() => {
      if (this.leaseHolder() !== owner) return false;
      const cursor = Number(this.getMeta('outbox.cursor') ?? 0);
      if (Number(entry.id) <= cursor) return true;
      this.setMeta('outbox.cursor', entry.id);
      this.setMeta('outbox.cursorRev', String(entry.revision));
      // Keep the newest `outboxRetain` acknowledged entries, so a lost log tail can be republished.
      const horizon = this.stmt<{ id: number }>(
        'SELECT id FROM outbox WHERE id <= ? ORDER BY id DESC LIMIT 1 OFFSET ?',
      ).get(Number(entry.id), this.outboxRetain);
      if (horizon) this.stmt('DELETE FROM outbox WHERE id <= ?').run(horizon.id);
      return true;
    });
    return tx();
  }

  async outboxState(): Promise<OutboxState> {
    const cursor = this.getMeta('outbox.cursor') ?? '';
    const pending = this.stmt<{ n: number; at: number | null }>(
      'SELECT COUNT(*) AS n, MIN(at) AS at FROM outbox WHERE id > ?',
    ).get(Number(cursor || 0));
    const oldest = this.stmt<{ rev: number }>('SELECT rev FROM outbox ORDER BY id LIMIT 1').get();
    const n = pending?.n ?? 0;
    return {
      cursor,
      cursorRevision: Number(this.getMeta('outbox.cursorRev') ?? 0),
      pending: n,
      oldestPendingAgeMs: n > 0 && pending?.at ? Math.max(0, this.now() - pending.at) : 0,
      oldestRevision: oldest?.rev ?? 0,
    };
  }

  onReconnect(_listener: () => void): () => void {
    return () => undefined; // an embedded file never loses its connection
  }

  /** The relay lease's holder while it is live, else ''. */
  private leaseHolder(): string {
    const held = this.getMeta('relay.lease');
    const [holder, until] = held ? (JSON.parse(held) as [string, number]) : ['', 0];
    return until > this.now() ? holder : '';
  }

  async acquireRelayLease(owner: string, ttlMs: number): Promise<boolean> {
    const tx = this.db.transaction(() => {
      const holder = this.leaseHolder();
      if (holder && holder !== owner) return false;
      this.setMeta('relay.lease', JSON.stringify([owner, this.now() + ttlMs]));
      return true;
    });
    return tx();
  }

  async releaseRelayLease(owner: string): Promise<void> {
    const held = this.getMeta('relay.lease');
    if (held && (JSON.parse(held) as [string, number])[0] === owner) {
      this.stmt('DELETE FROM meta WHERE k = ?').run('relay.lease');
    }
  }

  async durability(): Promise<Durability> {
    const memory = this.db.name === ':memory:';
    return {
      durable: !memory,
      detail: memory ? 'in-memory SQLite' : `SQLite ${this.db.name} (WAL, synchronous=FULL)`,
    };
  }

  async close(): Promise<void> {
    this.written.emit('write'); // wake a blocked reader so it can see the store is closing
    this.db.close();
  }

  /** Prepared statements are cached: preparing costs more than running on the hot path. */
  private stmt<R = unknown>(sql: string): Database.Statement<unknown[], R> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement as Database.Statement<unknown[], R>;
  }

  private currentRevision(): number {
    return Number(this.getMeta('revision') ?? 0);
  }

  private getMeta(k: string): string | undefined {
    return this.stmt<{ v: string }>('SELECT v FROM meta WHERE k = ?').get(k)?.v;
  }

  private setMeta(k: string, v: string): void {
    this.stmt('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)').run(k, v);
  }
}

function toEntry(row: OutboxRow): OutboxEntry {
  return {
    id: String(row.id),
    revision: row.rev,
    type: row.type,
    key: { resource: row.resource, namespace: row.ns, name: row.name },
    node: row.node,
    objectJson: row.json,
    previousJson: row.prev,
  };
}

/**
 * The desired-state store: a small interface (in the spirit of kine's Backend) with two
 * implementations, Redis (`redis/`) and an embedded SQLite file (`sqlite/`), that pass one
 * contract suite (`contract.ts`).
 *
 * Every write is one atomic step: check the expected resourceVersion, bump the global revision,
 * write the object (its `metadata.resourceVersion` set to the new revision) and its indexes, and
 * append the watch event to the outbox, all or nothing. Only the API server touches a store.
 */

/** Where an object lives. `namespace` is empty for cluster-scoped kinds. */
export interface ObjectKey {
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
}

/** The shape every stored object has; the store reads and writes nothing else of it. */
export interface StoredObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly resourceVersion?: string;
    readonly [field: string]: unknown;
  };
  readonly [field: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One outbox entry: the watch event of one committed write. */
export interface OutboxEntry {
  /** Store-specific position, strictly increasing (Redis stream id, SQLite row id). */
  readonly id: string;
  readonly revision: number;
  readonly type: WatchEventType;
  readonly key: ObjectKey;
  /** Pods: the node the pod is bound to ('' while unbound). */
  readonly node: string;
  /** The object as committed (for DELETED: its last state, at the deletion's revision). */
  readonly objectJson: string;
  /** MODIFIED: the previous version's selectable summary (labels, selectable fields) as JSON, or ''. */
  readonly previousJson: string;
}

/** A precondition checked atomically with the write: a lease still held (scheduler fencing). */
export interface Fence {
  readonly lease: ObjectKey;
  readonly holderIdentity: string;
  /** `spec.leaseTransitions` when the lease was acquired: a token that changes with every holder. */
  readonly leaseTransitions: number;
}

/**
 * Unique values an object holds while it exists (a Service's cluster IP and node ports), taken and
 * given back in the same atomic step as the write: two objects can never hold the same claim, even
 * when API server replicas write them at once, and deleting the object frees its claims with it.
 */
export interface Claims {
  /** Claims the written object holds; one held by another object fails the write (`claimed`). */
  readonly take: readonly string[];
  /** Claims the object held and gives back (only those it holds are released). */
  readonly release: readonly string[];
}

export interface WriteOptions {
  /** Pods: the node index entry to maintain ('' or absent: unbound). */
  readonly node?: string;
  /** Extra preconditions, all checked in the same atomic step. */
  readonly fence?: Fence;
  /** Updates: the previous version's selectable summary, carried by the watch event. */
  readonly previous?: string;
  readonly claims?: Claims;
}

export interface UpdateOptions extends WriteOptions {
  /** The resourceVersion the caller read; a different stored one is a conflict. */
  readonly expectedRevision: number;
  /**
   * Pods: the node of the version the caller read. Exact, because the write only happens when
   * `expectedRevision` still matches that version.
   */
  readonly previousNode?: string;
}

export interface DeleteOptions {
  readonly expectedRevision: number;
  readonly previousNode?: string;
  readonly fence?: Fence;
  /** Claims the deleted object gives back. */
  readonly claims?: Pick<Claims, 'release'>;
}

export interface ListOptions {
  /** Only this namespace (namespaced kinds). */
  readonly namespace?: string;
  /** Pods only: only pods bound to this node ('' = unbound), served from an index. */
  readonly node?: string;
  /** Return keys strictly after this `namespace/name` (pagination). */
  readonly after?: string;
  /** At most this many items (0 or absent: all). */
  readonly limit?: number;
  /**
   * At most this many bytes of item JSON, counting the commas that join them (0 or absent: no
   * bound). The page stops before the item that would exceed it, but always holds at least one
   * item: an object larger than the budget comes back alone, and the caller decides what to do.
   */
  readonly maxBytes?: number;
  /**
   * A continue page of a snapshot taken at this revision (the first page's). The page is served
   * only when the store can prove nothing in its range changed since (no item on it newer, no key
   * in it deleted after); otherwise the result is `expired`. Absent: a first page, at the current
   * revision, which is never expired.
   */
  readonly revision?: number;
}

/** One page of a list. */
export interface ListPage {
  readonly expired?: undefined;
  /** Objects as JSON text, in `namespace/name` order. */
  readonly items: readonly string[];
  /** The store revision the page is consistent at (for a continue page: the requested one). */
  readonly revision: number;
  /** The `namespace/name` of the last item when more remain (cut by count or bytes), for `after`. */
  readonly more?: string;
}

/** A continue page the store cannot serve consistently at the requested revision. */
export interface ListExpired {
  readonly expired: true;
  /** The revision that was asked for. */
  readonly revision: number;
}

export type ListResult = ListPage | ListExpired;

/** Options of a first page: without `revision`, a list is read now and cannot be expired. */
export type FirstPageOptions = ListOptions & { readonly revision?: undefined };

/** Deletion tombstones kept per resource for continue pages (the newest; older ones are trimmed). */
export const DEFAULT_TOMBSTONE_LIMIT = 10_000;

/** Why a write did not happen; anything else is thrown as an error (store down, bug). */
export type WriteFailure = 'exists' | 'not-found' | 'conflict' | 'fenced' | 'claimed';

export type WriteResult =
  | { readonly ok: true; readonly revision: number; readonly json: string }
  | {
      readonly ok: false;
      readonly reason: WriteFailure;
      readonly current?: number;
      /** `claimed`: the claim another object holds. */
      readonly claim?: string;
    };

export interface Durability {
  /** True when an acknowledged write survives a crash of the store (Redis: AOF + fsync always). */
  readonly durable: boolean;
  readonly detail: string;
}

export interface Store {
  readonly kind: 'redis' | 'sqlite';
  /** The object as JSON text, or undefined. */
  get(key: ObjectKey): Promise<string | undefined>;
  /** A first page of one resource, at the current revision. */
  list(resource: string, options?: FirstPageOptions): Promise<ListPage>;
  /** A page of one resource; a continue page (`revision` set) may be `expired`. */
  list(resource: string, options: ListOptions): Promise<ListResult>;
  /** Creates; fails with `exists` when the key is taken. */
  create(key: ObjectKey, object: StoredObject, options?: WriteOptions): Promise<WriteResult>;
  /** Replaces; fails with `not-found` or `conflict` (stale expectedRevision) or `fenced`. */
  update(key: ObjectKey, object: StoredObject, options: UpdateOptions): Promise<WriteResult>;
  /** Removes; `object` is the last state to put in the DELETED event. */
  delete(key: ObjectKey, object: StoredObject, options: DeleteOptions): Promise<WriteResult>;
  /** The current global revision. */
  revision(): Promise<number>;
  /** Raises the revision to at least `floor` (after an event log that is ahead of the store). */
  raiseRevision(floor: number): Promise<number>;
  /**
   * Retained outbox entries after `afterId` ('' = from the oldest retained, acknowledged or not), at
   * most `limit`, waiting up to `blockMs` for one to arrive.
   */
  readOutbox(afterId: string, limit: number, blockMs: number): Promise<OutboxEntry[]>;
  /**
   * Marks every entry up to and including `entry` as published, if `owner` holds the relay lease
   * (false otherwise: a relay that lost its lease cannot move the cursor). `count` is how many of
   * them were not acknowledged before. Acknowledged entries are kept, the newest
   * `outboxRetain` of them, so a relay can republish a tail the event log lost.
   */
  ackOutbox(owner: string, entry: Pick<OutboxEntry, 'id' | 'revision'>, count: number): Promise<boolean>;
  /** Where the relay stands in the outbox (one round trip). */
  outboxState(): Promise<OutboxState>;
  /** Takes or renews the relay lease for `owner`; true when `owner` holds it now. */
  acquireRelayLease(owner: string, ttlMs: number): Promise<boolean>;
  releaseRelayLease(owner: string): Promise<void>;
  durability(): Promise<Durability>;
  /**
   * Calls `listener` each time the store's connection comes back after a loss (never for an
   * embedded store); returns a function that removes it. A store that was down may have restarted
   * with less than it had, so the relay checks the event log against it again.
   */
  onReconnect(listener: () => void): () => void;
  close(): Promise<void>;
}

/** The relay's position in the outbox, and what is waiting behind it. */
export interface OutboxState {
  /** Id of the last acknowledged entry ('' when none). */
  readonly cursor: string;
  /** Revision of that entry (0 when none). */
  readonly cursorRevision: number;
  /** Entries committed and not yet acknowledged: the relay's lag. */
  readonly pending: number;
  /** How long the oldest unacknowledged entry has waited, in ms (0 when none). */
  readonly oldestPendingAgeMs: number;
  /** Revision of the oldest retained entry, acknowledged or not (0 when the outbox is empty). */
  readonly oldestRevision: number;
}

/** How many acknowledged outbox entries a store keeps for republishing (default). */
export const DEFAULT_OUTBOX_RETAIN = 10_000;

/** The `namespace/name` string keys sort and paginate by. */
export function keyString(key: Pick<ObjectKey, 'namespace' | 'name'>): string {
  return `${key.namespace}/${key.name}`;
}

/** Splits a `namespace/name` key string. */
export function parseKeyString(value: string): { namespace: string; name: string } {
  const slash = value.indexOf('/');
  return { namespace: value.slice(0, slash), name: value.slice(slash + 1) };
}

/**
 * Serialises an object split around its `metadata.resourceVersion` value, so a store can insert the
 * revision it assigns inside the same atomic step: `head + revision + tail` is the stored JSON.
 * apiVersion and kind come first and are validated identifiers, so the split point can never fall
 * inside user data, and no JSON has to be re-encoded inside a Lua script.
 */
export function splitForRevision(object: StoredObject): { head: string; tail: string } {
  const { resourceVersion: _dropped, ...metadata } = object.metadata;
  const { apiVersion, kind, metadata: _metadata, ...rest } = object;
  const metaInner = JSON.stringify(metadata).slice(1, -1);
  const restInner = JSON.stringify(rest).slice(1, -1);
  const head = `{"apiVersion":${JSON.stringify(apiVersion)},"kind":${JSON.stringify(kind)},"metadata":{"resourceVersion":"`;
  const tail = `"${metaInner ? `,${metaInner}` : ''}}${restInner ? `,${restInner}` : ''}}`;
  return { head, tail };
}

/** Joins what `splitForRevision` split, with the revision in place. */
export function joinWithRevision(parts: { head: string; tail: string }, revision: number): string {
  return `${parts.head}${revision}${parts.tail}`;
}

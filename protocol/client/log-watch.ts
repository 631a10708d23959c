/**
 * A watch served from the event log: the NATS transport runs it in the client, the HTTP face runs
 * it in the API server for `?watch=1`. Both therefore deliver exactly the same events.
 *
 * - From a resourceVersion: the log position is found by revision (`startForRevision`), and
 *   replays that are not newer than the requested revision, or than what was already delivered for
 *   the same object, are dropped (the relay may publish a few entries out of order after a fault).
 * - Without one: the current list is sent as synthetic ADDED events first, then changes from the
 *   list's revision, as Kubernetes does.
 * - Selectors follow Kubernetes: an object that starts matching arrives as ADDED, one that stops
 *   matching as DELETED (events carry a summary of the previous version for this).
 * - A position older than the retained history ends the watch with an `Expired` ApiError.
 */
import type { EventLog, LogEntry } from '../../actors/kernel/bus/bus.js';
import { LogExpiredError } from '../../actors/kernel/bus/bus.js';
import type { Clock } from '../../actors/kernel/clock.js';
import { TRUNCATED_HEADER, type WatchEvent } from '../api.js';
import { badRequest, expired, notFound } from '../errors.js';
import { type AnyObject, resourceByPlural } from '../resources/registry.js';
import type { Subjects } from '../subjects.js';
import { compileSelection, type SelectableSummary, selectEvent } from './selection.js';
import type { Watch, WatchHandler, WatchOptions } from './transport.js';
import { entryRevision, RELAY_WINDOW, startForRevision } from './watch-position.js';

export interface LogWatchDeps {
  readonly log: EventLog;
  readonly subjects: Subjects;
  readonly clock: Clock;
  /** Reads one object (for events too large for the bus, which carry only a reference). */
  readonly get: (resource: string, namespace: string, name: string) => Promise<AnyObject | undefined>;
  /** A consistent list, for watches that start without a resourceVersion. */
  readonly list: (options: WatchOptions) => Promise<{ items: readonly AnyObject[]; resourceVersion: string }>;
  /** How often BOOKMARK events are sent when asked for (default one minute). */
  readonly bookmarkMs?: number;
}

interface StoredEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: AnyObject;
  readonly previous?: SelectableSummary;
}

/** Opens a watch over the event log; see the file comment for the guarantees. */
export async function watchLog(
  deps: LogWatchDeps,
  options: WatchOptions,
  handler: WatchHandler,
): Promise<Watch> {
  const type = resourceByPlural(options.resource);
  if (!type) throw notFound('resource', options.resource);
  const selection = compileSelection(type, options.labelSelector, options.fieldSelector);

  // One delivery at a time, in order, whether from the log or from the bookmark timer.
  let chain: Promise<void> = Promise.resolve();
  const emit = (event: WatchEvent) => {
    chain = chain.then(() => handler(event));
    return chain;
  };

  let floor: number;
  let startSeq: number;
  let requiredSeq: number;
  if (
    options.resourceVersion !== undefined &&
    options.resourceVersion !== '' &&
    options.resourceVersion !== '0'
  ) {
    floor = Number(options.resourceVersion);
    if (!Number.isSafeInteger(floor) || floor < 0) {
      throw badRequest(
        `resourceVersion must be a revision number, got ${JSON.stringify(options.resourceVersion)}`,
      );
    }
    const start = await startForRevision(deps.log, floor);
    if (start.kind === 'expired') {
      throw expired(`too old resource version: ${floor} (${start.oldestRevision - 1})`);
    }
    startSeq = start.startSeq;
    requiredSeq = start.requiredSeq;
  } else {
    // Take the log position before the snapshot: everything after the list's revision is at or
    // after this position, so nothing falls between the list and the watch.
    const info = await deps.log.info();
    const snapshot = await deps.list(options);
    floor = Number(snapshot.resourceVersion);
    startSeq = Math.max(info.firstSeq, info.lastSeq + 1 - RELAY_WINDOW);
    requiredSeq = info.lastSeq + 1;
    for (const object of snapshot.items) await emit({ type: 'ADDED', object });
  }

  const lastByKey = new Map<string, number>();
  let newest = floor;

  const onEntry = async (entry: LogEntry) => {
    const revision = entryRevision(entry.headers);
    if (revision === undefined || revision <= floor) return;
    const event = JSON.parse(new TextDecoder().decode(entry.data)) as StoredEvent;
    const meta = event.object.metadata;
    const key = `${meta.namespace ?? ''}/${meta.name}`;
    if ((lastByKey.get(key) ?? 0) >= revision) return; // a replay, or older than what was delivered
    lastByKey.set(key, revision);
    newest = Math.max(newest, revision);
    prune(lastByKey, newest);
    let object = event.object;
    if (entry.headers?.get(TRUNCATED_HEADER) && event.type !== 'DELETED') {
      const current = await deps.get(type.plural, meta.namespace ?? '', meta.name ?? '');
      if (!current) return; // deleted since: its DELETED event follows
      object = current;
    }
    const selected = selectEvent(selection, event.type, object, event.previous);
    if (selected) await emit({ type: selected, object });
  };

  // `needed`: the first entry this watch cannot do without. Entries before it were delivered, or
  // are only possible replays from the reordering window, so losing them to trimming is harmless.
  let needed = requiredSeq;
  const track = async (entry: LogEntry) => {
    await onEntry(entry);
    needed = Math.max(needed, entry.seq + 1);
  };
  const filter = filterFor(deps.subjects, options, selection.exact);
  let reader = await deps.log.read(track, { filter, startSeq });
  let closedByOwner = false;

  let bookmarkTimer: { cancel(): void } | undefined;
  const bookmark = () => {
    bookmarkTimer = deps.clock.setTimeout(() => {
      void emit({
        type: 'BOOKMARK',
        object: {
          kind: type.kind,
          apiVersion: type.apiVersion,
          metadata: { resourceVersion: String(newest) },
        },
      }).then(bookmark);
    }, deps.bookmarkMs ?? 60_000);
  };
  if (options.allowBookmarks) bookmark();

  const closed = (async () => {
    for (;;) {
      const err = await reader.closed;
      if (!(err instanceof LogExpiredError) || closedByOwner) return err;
      const info = await deps.log.info();
      if (info.firstSeq > needed) return expired(`too old resource version: ${newest} (${err.firstSeq})`);
      reader = await deps.log.read(track, { filter, startSeq: needed }); // nothing needed was lost
    }
  })().finally(() => bookmarkTimer?.cancel());
  return {
    async close() {
      closedByOwner = true;
      bookmarkTimer?.cancel();
      await reader.close();
    },
    closed,
  };
}

/** The narrowest subject filter the options allow: namespace, name, and (pods) node. */
function filterFor(
  subjects: Subjects,
  options: WatchOptions,
  exact: (field: string) => string | undefined,
): ReturnType<Subjects['events']> {
  const namespace = options.namespace || exact('metadata.namespace');
  const name = exact('metadata.name');
  // Only a bound node narrows the subject: a pod leaves the unbound set ('') by being bound, and
  // that event is published under its new node, which a '' filter would never see.
  const node = options.resource === 'pods' ? exact('spec.nodeName') || undefined : undefined;
  return subjects.events({
    resource: options.resource,
    ...(namespace ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(node !== undefined ? { node } : {}),
  });
}

/**
 * Forgets per-object revisions too old to matter: an out-of-order entry is at most RELAY_WINDOW
 * places late, so revisions far below the newest one can no longer be replayed.
 */
function prune(lastByKey: Map<string, number>, newest: number): void {
  if (lastByKey.size < 50_000) return;
  const horizon = newest - 4 * RELAY_WINDOW;
  for (const [key, revision] of lastByKey) if (revision < horizon) lastByKey.delete(key);
}

/**
 * A watch served from the event log: the NATS transport runs it in the client, the HTTP face runs
 * it in the API server for `?watch=1`. Both therefore deliver exactly the same events.
 *
 * - From a resourceVersion: the log position is found by revision (`startForRevision`); the log is
 *   in strict revision order (the relay's appends are fenced), so everything after it is new.
 * - Without one: the current list (a consistent snapshot, paged or not) is sent as synthetic ADDED
 *   events first, then changes newer than the list's revision, as Kubernetes does.
 * - Selectors follow Kubernetes: an object that starts matching arrives as ADDED, one that stops
 *   matching as DELETED (events carry a summary of the previous version for this; events too large
 *   for the bus carry the summaries of both versions, so they select exactly alike).
 * - When the reader ends because entries it needed are gone (trimmed, or a log that lost its tail
 *   or was reset), the watch resumes from the newest revision it handled if the log still reaches
 *   back to it, and otherwise ends with an `Expired` ApiError: the client relists. Never a silent gap.
 */

import { TRUNCATED_HEADER, type WatchEvent } from '../api.js';
import type { EventLog, LogEntry } from '../bus.js';
import type { Clock } from '../clock.js';
import { badRequest, expired, LogExpiredError, notFound } from '../errors.js';
import { type AnyObject, resourceByPlural } from '../resources/registry.js';
import {
  compileSelection,
  type SelectableSummary,
  type Selection,
  selectEvent,
} from '../selectors/selection.js';
import type { Subjects } from '../subjects.js';
import { entryRevision, startForRevision } from './position.js';
import type { Watch, WatchHandler, WatchOptions } from './watch.js';

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
  /** Events too large for the bus: the labels and selectable fields of the object itself. */
  readonly summary?: SelectableSummary;
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

  // `newest`: the newest revision handled. Every later entry in the log is newer (strict order), so
  // anything at or below it is a replay after a reader restart.
  let newest: number;
  let startSeq: number;
  if (
    options.resourceVersion !== undefined &&
    options.resourceVersion !== '' &&
    options.resourceVersion !== '0'
  ) {
    newest = Number(options.resourceVersion);
    if (!Number.isSafeInteger(newest) || newest < 0) {
      throw badRequest(
        `resourceVersion must be a revision number, got ${JSON.stringify(options.resourceVersion)}`,
      );
    }
    startSeq = await startFrom(deps.log, newest);
  } else {
    // Take the log position before the snapshot: everything after the list's revision is at or
    // after this position, so nothing falls between the list and the watch.
    const info = await deps.log.info();
    const snapshot = await deps.list(options);
    newest = Number(snapshot.resourceVersion);
    startSeq = info.lastSeq + 1;
    for (const object of snapshot.items) await emit({ type: 'ADDED', object });
  }

  const onEntry = async (entry: LogEntry) => {
    const revision = entryRevision(entry.headers);
    if (revision === undefined || revision <= newest) return;
    newest = revision;
    const event = JSON.parse(new TextDecoder().decode(entry.data)) as StoredEvent;
    const out = entry.headers?.get(TRUNCATED_HEADER)
      ? await truncated(deps, selection, event)
      : selected(selection, event, event.object);
    if (out) await emit(out);
  };

  const filter = filterFor(deps.subjects, options, selection.exact);
  let reader = await deps.log.read(onEntry, { filter, startSeq });
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
      // The reader lost its place (trimmed, or the log lost or reset entries): find it again by
      // revision; if the log no longer reaches back to it, the client must relist.
      let from: number;
      try {
        // An empty log cannot vouch for anything: it was reset (or lost everything) under this
        // reader, and a horizon marker may not be in it yet. The client relists.
        if ((await deps.log.info()).messages === 0) {
          throw expired(`too old resource version: ${newest} (the event log was reset)`);
        }
        from = await startFrom(deps.log, newest);
      } catch (failure) {
        return failure instanceof Error ? failure : err;
      }
      reader = await deps.log.read(onEntry, { filter, startSeq: from });
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

/** The first log position newer than `revision`; throws Expired when the log no longer reaches it. */
async function startFrom(log: EventLog, revision: number): Promise<number> {
  const start = await startForRevision(log, revision);
  if (start.kind === 'expired') {
    throw expired(`too old resource version: ${revision} (${start.oldestRevision - 1})`);
  }
  return start.startSeq;
}

/** An event as a selection reads it (see `selectEvent`), carrying `object`. */
function selected(selection: Selection, event: StoredEvent, object: AnyObject): WatchEvent | undefined {
  const type = selectEvent(selection, event.type, object, event.previous);
  return type ? { type, object } : undefined;
}

/**
 * An event whose object was too large for the bus. It carries the summaries of both versions, so
 * the selection decides exactly as for a small event; only a delivered ADDED or MODIFIED fetches the
 * object (a DELETED delivers the reference with its labels: the object itself is gone).
 */
async function truncated(
  deps: LogWatchDeps,
  selection: Selection,
  event: StoredEvent,
): Promise<WatchEvent | undefined> {
  const reference = event.object;
  const summary = event.summary ?? { labels: reference.metadata.labels, fields: {} };
  const now = selection.everything || selection.matchesSummary(summary);
  const before = event.previous ? selection.everything || selection.matchesSummary(event.previous) : now;
  let type: WatchEvent['type'] | undefined;
  if (event.type !== 'MODIFIED') type = now ? event.type : undefined;
  else type = now && before ? 'MODIFIED' : now ? 'ADDED' : before ? 'DELETED' : undefined;
  if (type === undefined) return undefined;
  if (type === 'DELETED') return { type, object: reference };
  // The object as it is now (perhaps newer than this event; its own events follow). Gone already:
  // the reference stands in, so the watcher still sees this event before the DELETED that follows.
  const meta = reference.metadata;
  const current = await deps.get(selection.type.plural, meta.namespace ?? '', meta.name ?? '');
  return { type, object: current ?? reference };
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

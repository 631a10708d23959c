/**
 * Maps a resourceVersion (a store revision) to a position in the event log, so a watch can start
 * exactly after a list: the first entry whose revision is newer than the list's.
 *
 * The relay publishes in revision order, keeping up to `RELAY_WINDOW` appends in flight; after a
 * bus failure a few of those can land out of order. So the search is a binary search over a log
 * that is sorted up to that window, and the start is moved back by the window: replays that are
 * not newer than the list are dropped by the watcher, so starting early costs a few skipped
 * entries and never a missed one.
 */
import type { EventLog } from '../../actors/kernel/bus/bus.js';
import { REVISION_HEADER } from '../api.js';

/** How many appends the relay keeps in flight: the most an entry can be out of revision order. */
export const RELAY_WINDOW = 256;

export type WatchStart =
  | {
      readonly kind: 'start';
      /** Where to start reading: `window` entries before the first needed one, to catch reordering. */
      readonly startSeq: number;
      /** The first entry the watch cannot do without; older ones are only possible replays. */
      readonly requiredSeq: number;
    }
  | { readonly kind: 'expired'; readonly oldestRevision: number };

/** Reads the revision an entry carries, or undefined for an entry that is not an event. */
export function entryRevision(headers: ReadonlyMap<string, string> | undefined): number | undefined {
  const value = headers?.get(REVISION_HEADER);
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Where a watch from `revision` must start reading `log`: `expired` when entries newer than
 * `revision` were already trimmed away (the caller answers 410 Expired and the client relists).
 */
export async function startForRevision(
  log: EventLog,
  revision: number,
  window = RELAY_WINDOW,
): Promise<WatchStart> {
  const info = await log.info();
  if (info.messages === 0)
    return { kind: 'start', startSeq: info.lastSeq + 1, requiredSeq: info.lastSeq + 1 };
  const rev = async (seq: number): Promise<number> => entryRevision((await log.get(seq))?.headers) ?? 0;

  // Binary search for the first entry newer than `revision` (the log is sorted up to `window`).
  let lo = info.firstSeq;
  let hi = info.lastSeq + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await rev(mid)) > revision) hi = mid;
    else lo = mid + 1;
  }

  const startSeq = Math.max(info.firstSeq, lo - window);
  if (startSeq === info.firstSeq && info.firstSeq > 1) {
    // Entries were trimmed from the front. An entry right after `revision` sits at most `window`
    // places from where order puts it, so if none of the oldest entries is `revision + 1` or older,
    // it was trimmed.
    let oldest = Number.POSITIVE_INFINITY;
    for (let seq = info.firstSeq; seq <= Math.min(info.lastSeq, info.firstSeq + window); seq++) {
      const r = await rev(seq);
      if (r > 0) oldest = Math.min(oldest, r);
    }
    if (oldest > revision + 1) return { kind: 'expired', oldestRevision: oldest };
  }
  return { kind: 'start', startSeq, requiredSeq: lo };
}

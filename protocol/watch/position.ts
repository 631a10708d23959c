/**
 * Maps a resourceVersion (a store revision) to a position in the event log, so a watch can start
 * exactly after a list: the first entry whose revision is newer than the list's.
 *
 * The relay's appends are fenced by sequence (each expects the log to end where the previous one
 * landed), so the log holds every revision once, in increasing order: a binary search finds the
 * position exactly. Where the log does not reach back to the revision asked for (trimmed, or
 * purged after the store could not heal a lost tail), the watch is `expired` and the client relists.
 */

import { REVISION_HEADER } from '../api.js';
import type { EventLog } from '../bus.js';

export type WatchStart =
  | {
      readonly kind: 'start';
      /** Where to start reading: the first entry newer than the revision. */
      readonly startSeq: number;
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
 * `revision` are no longer all there (the caller answers 410 Expired and the client relists).
 */
export async function startForRevision(log: EventLog, revision: number): Promise<WatchStart> {
  const info = await log.info();
  if (info.messages === 0) return { kind: 'start', startSeq: info.lastSeq + 1 };
  const rev = async (seq: number): Promise<number> => entryRevision((await log.get(seq))?.headers) ?? 0;

  // Binary search for the first entry newer than `revision` (the log is sorted by revision).
  let lo = info.firstSeq;
  let hi = info.lastSeq + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await rev(mid)) > revision) hi = mid;
    else lo = mid + 1;
  }

  // The oldest retained entry is already newer than the revision: the one right after the revision
  // is there only if it is that entry. (This holds for a log numbered from 1 too: after a reset, the
  // log begins wherever the store's retained history began.)
  if (lo === info.firstSeq) {
    const oldest = await rev(info.firstSeq);
    if (oldest > revision + 1) return { kind: 'expired', oldestRevision: oldest };
  }
  return { kind: 'start', startSeq: lo };
}

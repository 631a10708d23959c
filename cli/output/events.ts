/** `skiff events`: kubectl events' table (LAST SEEN, TYPE, REASON, OBJECT, MESSAGE), oldest first. */
import { formatAge } from './age.js';

/** An event, as far as the table reads it. */
export interface EventLike {
  readonly metadata?: { readonly namespace?: string; readonly name?: string };
  readonly involvedObject?: { readonly kind?: string; readonly name?: string };
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly count?: number;
  readonly firstTimestamp?: string;
  readonly lastTimestamp?: string;
  readonly eventTime?: string;
  readonly series?: { readonly count?: number; readonly lastObservedTime?: string };
}

/** kubectl's interval: `5s`, or `5s (x3 over 2m)` for a repeated event. */
export function eventInterval(e: EventLike, now: number = Date.now()): string {
  const first = e.eventTime ? formatAge(e.eventTime, now) : formatAge(e.firstTimestamp, now);
  if (e.series) return `${formatAge(e.series.lastObservedTime, now)} (x${e.series.count ?? 0} over ${first})`;
  if ((e.count ?? 0) > 1) return `${formatAge(e.lastTimestamp, now)} (x${e.count} over ${first})`;
  return first;
}

/** When an event last happened (for ordering). */
export function eventLastSeen(e: EventLike): number {
  const t = Date.parse(
    e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '',
  );
  return Number.isNaN(t) ? 0 : t;
}

/** The header row (NAMESPACE first with -A). */
export function eventHeader(allNamespaces: boolean): string[] {
  return [...(allNamespaces ? ['NAMESPACE'] : []), 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'];
}

/** One event's row. */
export function eventRow(e: EventLike, allNamespaces: boolean, now: number = Date.now()): string[] {
  return [
    ...(allNamespaces ? [e.metadata?.namespace ?? ''] : []),
    eventInterval(e, now),
    e.type ?? '',
    e.reason ?? '',
    `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`,
    (e.message ?? '').trim(),
  ];
}

/** Events oldest first, as kubectl events sorts them. */
export function sortEvents<T extends EventLike>(events: readonly T[]): T[] {
  return [...events].sort((a, b) => eventLastSeen(a) - eventLastSeen(b));
}

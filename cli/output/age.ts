/** AGE and LAST SEEN cells: kubectl's HumanDuration since a timestamp. */
import { humanDuration } from '../../actors/apiserver/http/table.js';

export { humanDuration };

/** `42s`, `3m20s`, `5h` since `timestamp`; `<unknown>` when there is none (kubectl's words). */
export function formatAge(timestamp: string | undefined, now: number = Date.now()): string {
  const t = Date.parse(timestamp ?? '');
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

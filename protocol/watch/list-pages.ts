/**
 * Reading a whole list, page by page, as one snapshot.
 *
 * The server cuts a list into pages (by `limit`, and by bytes so a page fits in one bus message)
 * and serves every `continue` page at the first page's revision, or answers 410 Expired when its
 * range changed since and the snapshot can no longer be proven. A caller that needs the whole list
 * (an informer's relist, a watch started without a resourceVersion) then has nothing to do but
 * start again from the first page:
 *
 *   page 1 (rv R) ──▶ page 2 @R ──▶ … ──▶ last page @R ──▶ { items, resourceVersion: R }
 *                        │ 410 Expired
 *                        └──▶ wait (growing), start again from page 1
 *
 * Only an Expired answer to a continue token restarts; any other failure (and an Expired first
 * page, which no restart can fix) is the caller's to handle.
 */
import type { ObjectList } from '../api.js';
import { isReason } from '../errors.js';

/** Reads one page: the first when `continueToken` is undefined. */
export type PageReader<T> = (continueToken: string | undefined) => Promise<ObjectList<T>>;

export interface ListPagesOptions {
  /** Waits between restarts (an injected clock, so tests advance time instead of sleeping). */
  readonly clock: { sleep(ms: number, signal?: AbortSignal): Promise<void> };
  /** Restarts before the Expired error is passed on (default 10; Infinity: never give up). */
  readonly maxRestarts?: number;
  /** Called before each restart, to log and count it. */
  readonly onRestart?: (restart: number, delayMs: number, err: Error) => void;
  /** Aborted when the caller stops: no further restart, and a wait in progress ends. */
  readonly signal?: AbortSignal;
}

/** The first restart waits this long; each next one twice as long, up to RESTART_MAX_MS. */
export const RESTART_BASE_MS = 50;
export const RESTART_MAX_MS = 5_000;

/** The delay before restart number `restart` (1-based): 50 ms doubling to 5 s. */
export function restartDelay(restart: number): number {
  return Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** (restart - 1));
}

/** Reads every page of a list; the items and the revision they are a snapshot of. */
export async function listAllPages<T>(
  readPage: PageReader<T>,
  options: ListPagesOptions,
): Promise<{ items: T[]; resourceVersion: string }> {
  const maxRestarts = options.maxRestarts ?? 10;
  for (let restart = 1; ; restart++) {
    const items: T[] = [];
    let resourceVersion = '';
    let token: string | undefined;
    try {
      do {
        const page = await readPage(token);
        items.push(...page.items);
        resourceVersion ||= page.metadata.resourceVersion;
        token = page.metadata.continue;
      } while (token);
      return { items, resourceVersion };
    } catch (err) {
      // `token` is still the one the failed read sent: undefined for a first page.
      const restartable = token !== undefined && isReason(err, 'Expired');
      if (!restartable || restart > maxRestarts || options.signal?.aborted) throw err;
      const delay = restartDelay(restart);
      options.onRestart?.(restart, delay, err as Error);
      await options.clock.sleep(delay, options.signal);
    }
  }
}

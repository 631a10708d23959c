/**
 * Controller expectations, as Kubernetes' ControllerExpectations and
 * UIDTrackingControllerExpectations.
 *
 * A controller that creates 3 pods will not see them in its cache at once. Until it does, a sync
 * reading the cache would count 0 pods and create 3 more. So before creating, the controller
 * records "I expect 3 creations for this key"; each pod ADDED event lowers the count; and a sync
 * for the key only acts when `satisfied(key)`. Deletions are tracked by UID, so a pod deleted by
 * someone else, or a DELETED event seen twice, is not mistaken for one of ours.
 *
 * A watch event may be lost for good; expectations therefore expire after a TTL (5 minutes, on the
 * injected clock), after which the controller acts again from whatever the cache says.
 */
import type { Clock } from '../../protocol/clock.js';
import type { Logger } from './log.js';

/** How long unmet expectations block a key, as Kubernetes' ExpectationsTimeout. */
export const expectationsTtlMs = 5 * 60 * 1000;

/** Pending counts for one key, as returned by `get`. */
export interface Expectation {
  readonly adds: number;
  readonly dels: number;
  /** UIDs whose deletion is still expected. */
  readonly uids: ReadonlySet<string>;
  /** When the expectations were last set. */
  readonly setAt: number;
}

/** What the expectations depend on. */
export interface ExpectationsDeps {
  readonly clock: Clock;
  readonly log?: Logger;
  readonly ttlMs?: number;
}

interface Pending {
  adds: number;
  dels: number;
  readonly uids: Set<string>;
  readonly setAt: number;
}

/** Remembers a controller's own in-flight creations and deletions, per controller key. */
export class ControllerExpectations {
  private readonly records = new Map<string, Pending>();
  private readonly ttlMs: number;

  constructor(private readonly deps: ExpectationsDeps) {
    this.ttlMs = deps.ttlMs ?? expectationsTtlMs;
  }

  /** Expects `adds` creations for `key`, replacing whatever was expected before. */
  expectCreations(key: string, adds: number): void {
    this.set(key, adds, []);
  }

  /** Expects the deletion of exactly these UIDs for `key`, replacing whatever was expected before. */
  expectDeletions(key: string, uids: readonly string[]): void {
    this.set(key, 0, uids);
  }

  /** Records that one creation for `key` was observed (a pod ADDED event). */
  creationObserved(key: string): void {
    this.lowerExpectations(key, 1, 0);
  }

  /** Records the deletion of `uid`; counts only when it was one this controller expected. */
  deletionObserved(key: string, uid: string): void {
    const record = this.records.get(key);
    // A second DELETED event for the same UID, or the deletion of a pod we never asked to delete,
    // must not lower the count: that is the whole point of tracking UIDs.
    if (!record?.uids.delete(uid)) return;
    record.dels--;
  }

  /**
   * Lowers the counts without observing an event: for creations or deletions that failed and will
   * therefore never be observed. (Their UIDs, if any, stay tracked, which is harmless: the count
   * is what `satisfied` reads.)
   */
  lowerExpectations(key: string, adds: number, dels: number): void {
    const record = this.records.get(key);
    if (!record) return;
    record.adds -= adds;
    record.dels -= dels;
  }

  /** True when `key` may be synced: nothing expected, everything observed, or the expectations expired. */
  satisfied(key: string): boolean {
    const record = this.records.get(key);
    if (!record) return true;
    if (record.adds <= 0 && record.dels <= 0) return true;
    const age = this.deps.clock.now() - record.setAt;
    if (age < this.ttlMs) return false;
    this.deps.log?.warn(
      { key, adds: record.adds, dels: record.dels, ageMs: age },
      'expectations expired before they were met; acting on the cache as it is',
    );
    return true;
  }

  /** The pending expectations of `key`, for status and debugging. */
  get(key: string): Expectation | undefined {
    const record = this.records.get(key);
    return (
      record && { adds: record.adds, dels: record.dels, uids: new Set(record.uids), setAt: record.setAt }
    );
  }

  /** Forgets `key`: call it when the controller's object is deleted. */
  delete(key: string): void {
    this.records.delete(key);
  }

  private set(key: string, adds: number, uids: readonly string[]): void {
    const previous = this.records.get(key);
    if (previous && (previous.adds > 0 || previous.dels > 0)) {
      // Kubernetes logs this too: a sync ran while the last one's expectations were still open
      // (they must have expired), and the new ones replace them.
      this.deps.log?.debug({ key, adds: previous.adds, dels: previous.dels }, 'replacing unmet expectations');
    }
    const unique = new Set(uids);
    this.records.set(key, { adds, dels: unique.size, uids: unique, setAt: this.deps.clock.now() });
  }
}

/**
 * The mailbox: an unbounded FIFO between senders and the one (or, for a pool, several) loops that
 * take from it. Its only job is ordering and hand-off; it knows nothing about actors.
 *
 * Lifecycle: `put` until `close()`; after that `put` refuses, takers still receive what was
 * queued, then `{done: true}`. `close({discard: true})` drops the queue at once (returning how
 * many were dropped, so the caller can log it).
 *
 * An owner that keeps books on items in flight (the work queue's "processing" set) passes
 * `onTaken`, called synchronously at the moment an item leaves the mailbox, whether it went
 * straight to a waiting taker or was taken from the queue. Bookkeeping in the taker's own
 * continuation would lag one microtask behind and let a drain see "nothing queued, nothing in
 * flight" while an item is on its way to a worker.
 */

/** What `take` yields: the next item, or `done` once the mailbox is closed and empty. */
export type Take<T> = { readonly done: false; readonly value: T } | { readonly done: true };

const DONE: Take<never> = { done: true };

/** An unbounded FIFO with an async `take` and a close/drain lifecycle. */
export class Mailbox<T> {
  // A head index instead of `Array.shift()`, which is O(n): a busy mailbox holds thousands.
  private items: T[] = [];
  private head = 0;
  private readonly takers: Array<(next: Take<T>) => void> = [];
  private isClosed = false;

  constructor(private readonly onTaken?: (item: T) => void) {}

  /** Items waiting to be taken. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** True once `close` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Enqueues `item`, or hands it straight to a waiting taker; false when the mailbox is closed. */
  put(item: T): boolean {
    if (this.isClosed) return false;
    const taker = this.takers.shift();
    if (taker) {
      this.onTaken?.(item);
      taker({ done: false, value: item });
    } else {
      this.items.push(item);
    }
    return true;
  }

  /** Resolves with the oldest item, waiting for one if needed; `done` once closed and empty. */
  take(): Promise<Take<T>> {
    if (this.head < this.items.length) {
      // The index is in range, so the slot holds a T (the cast only satisfies noUncheckedIndexedAccess).
      const value = this.items[this.head] as T;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      this.onTaken?.(value);
      return Promise.resolve({ done: false, value });
    }
    if (this.isClosed) return Promise.resolve(DONE);
    return new Promise((resolve) => this.takers.push(resolve));
  }

  /** Refuses further puts; with `discard`, drops what is queued and returns how many items that was. */
  close(options: { discard?: boolean } = {}): number {
    this.isClosed = true;
    const dropped = options.discard ? this.size : 0;
    if (options.discard) {
      this.items = [];
      this.head = 0;
    }
    // Takers only wait while the queue is empty, so each of them is owed `done` now.
    for (const taker of this.takers.splice(0)) taker(DONE);
    return dropped;
  }

  /** Iterates items until the mailbox is closed and empty. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      const next = await this.take();
      if (next.done) return;
      yield next.value;
    }
  }
}

/**
 * A binary heap of keyed items with O(log n) push, pop, update and delete by key: what the
 * scheduling queue's activeQ and backoffQ need (kube-scheduler's `internal/heap`). An index from
 * key to position makes `update` and `delete` possible without a scan.
 */

/** A min-heap by `less`, keyed by `keyOf`; at most one item per key. */
export class KeyedHeap<T> {
  private readonly items: T[] = [];
  private readonly positions = new Map<string, number>();

  constructor(
    private readonly keyOf: (item: T) => string,
    private readonly less: (a: T, b: T) => boolean,
  ) {}

  /** Number of items. */
  get size(): number {
    return this.items.length;
  }

  /** True when an item with `key` is in the heap. */
  has(key: string): boolean {
    return this.positions.has(key);
  }

  /** The item with `key`, if any. */
  get(key: string): T | undefined {
    const i = this.positions.get(key);
    return i === undefined ? undefined : this.items[i];
  }

  /** The least item, without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Adds `item`, or replaces the item with the same key and restores the order. */
  push(item: T): void {
    const key = this.keyOf(item);
    const existing = this.positions.get(key);
    if (existing !== undefined) {
      this.items[existing] = item;
      this.fix(existing);
      return;
    }
    this.items.push(item);
    this.positions.set(key, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  /** Removes and returns the least item. */
  pop(): T | undefined {
    if (this.items.length === 0) return undefined;
    return this.removeAt(0);
  }

  /** Removes the item with `key`; returns it, or undefined when absent. */
  delete(key: string): T | undefined {
    const i = this.positions.get(key);
    return i === undefined ? undefined : this.removeAt(i);
  }

  /** The items in no particular order. */
  values(): readonly T[] {
    return this.items;
  }

  private removeAt(i: number): T {
    const item = this.items[i] as T;
    const last = this.items.pop() as T;
    this.positions.delete(this.keyOf(item));
    if (i < this.items.length) {
      this.items[i] = last;
      this.positions.set(this.keyOf(last), i);
      this.fix(i);
    }
    return item;
  }

  private fix(i: number): void {
    if (!this.up(i)) this.down(i);
  }

  /** Moves the item at `i` up while it is less than its parent; true when it moved. */
  private up(i: number): boolean {
    const start = i;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.items[i] as T, this.items[parent] as T)) break;
      this.swap(i, parent);
      i = parent;
    }
    return i !== start;
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) return;
      const right = left + 1;
      let child = left;
      if (right < n && this.less(this.items[right] as T, this.items[left] as T)) child = right;
      if (!this.less(this.items[child] as T, this.items[i] as T)) return;
      this.swap(i, child);
      i = child;
    }
  }

  private swap(i: number, j: number): void {
    const a = this.items[i] as T;
    const b = this.items[j] as T;
    this.items[i] = b;
    this.items[j] = a;
    this.positions.set(this.keyOf(b), i);
    this.positions.set(this.keyOf(a), j);
  }
}

/**
 * CycleState: what plugins compute once per pod per scheduling cycle (in PreFilter or PreScore)
 * and read for every node (in Filter or Score), as kube-scheduler's `framework.CycleState`.
 *
 * Keys are typed: a plugin declares `const KEY = stateKey<MyState>('MyPlugin/preFilter')` once,
 * at module level (an immutable constant), and `read(KEY)` returns `MyState | undefined` without
 * a cast at the call site. A fresh CycleState is made per cycle, so nothing leaks between pods.
 */

declare const stateType: unique symbol;

/** A typed key into the CycleState; compare by identity, name only for debugging. */
export interface StateKey<T> {
  readonly name: string;
  /** Type-level only: ties the key to the type of its value. */
  readonly [stateType]?: T;
}

/** Declares a state key; call once per key, at module level. */
export function stateKey<T>(name: string): StateKey<T> {
  return Object.freeze({ name });
}

/** Per-cycle plugin data, keyed by typed keys. */
export class CycleState {
  private readonly data = new Map<StateKey<unknown>, unknown>();

  /** Stores `value` under `key` for the rest of the cycle. */
  write<T>(key: StateKey<T>, value: T): void {
    this.data.set(key, value);
  }

  /** The value stored under `key`, or undefined when its PreFilter/PreScore did not run. */
  read<T>(key: StateKey<T>): T | undefined {
    // Only `write<T>(key: StateKey<T>, ...)` stores under a key, so the value has the key's type.
    return this.data.get(key) as T | undefined;
  }
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyedHeap } from './heap.js';

interface Item {
  readonly key: string;
  readonly value: number;
}

const heap = () =>
  new KeyedHeap<Item>(
    (i) => i.key,
    (a, b) => a.value < b.value,
  );

describe('KeyedHeap', () => {
  it('pops in order, with updates and deletes by key', () => {
    const h = heap();
    for (const [key, value] of [
      ['a', 5],
      ['b', 1],
      ['c', 3],
      ['d', 4],
    ] as const)
      h.push({ key, value });
    h.push({ key: 'a', value: 0 });
    expect(h.delete('c')).toEqual({ key: 'c', value: 3 });
    expect(h.delete('zzz')).toBeUndefined();
    expect(h.size).toBe(3);
    expect([h.pop(), h.pop(), h.pop(), h.pop()].map((i) => i?.key)).toEqual(['a', 'b', 'd', undefined]);
  });

  it('agrees with sorting, whatever the pushes, updates and deletes', () => {
    const op = fc.record({
      key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
      value: fc.integer({ min: 0, max: 100 }),
      remove: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const h = heap();
        const model = new Map<string, number>();
        for (const { key, value, remove } of ops) {
          if (remove) {
            h.delete(key);
            model.delete(key);
          } else {
            h.push({ key, value });
            model.set(key, value);
          }
        }
        const popped: number[] = [];
        for (let item = h.pop(); item !== undefined; item = h.pop()) popped.push(item.value);
        expect(popped).toEqual([...model.values()].sort((x, y) => x - y));
      }),
    );
  });
});

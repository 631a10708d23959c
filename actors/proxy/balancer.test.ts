import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Balancer } from './balancer.js';
import { type EndpointTarget, targetKey } from './service-table.js';

const ep = (n: number): EndpointTarget => ({ ip: '127.0.0.1', port: 40000 + n });
const none = { affinity: 'None', affinityTimeoutMs: 1000 } as const;
const clientIP = { affinity: 'ClientIP', affinityTimeoutMs: 1000 } as const;

describe('Balancer', () => {
  it.each([
    { name: 'no endpoints: nothing', endpoints: [], picks: 2, expected: [undefined, undefined] },
    { name: 'one endpoint: always it', endpoints: [ep(1)], picks: 3, expected: [ep(1), ep(1), ep(1)] },
    {
      name: 'three endpoints: in turn',
      endpoints: [ep(1), ep(2), ep(3)],
      picks: 4,
      expected: [ep(1), ep(2), ep(3), ep(1)],
    },
  ])('round robin: $name', ({ endpoints, picks, expected }) => {
    const b = new Balancer(none);
    b.update(endpoints);
    expect(Array.from({ length: picks }, (_, i) => b.pick(`c${i}`, 0))).toEqual(expected);
  });

  it.each([
    { name: 'same client, same endpoint', client2: 'a', at: 10, same: true },
    { name: 'another client, the next endpoint', client2: 'b', at: 10, same: false },
    { name: 'same client after the timeout: placed anew', client2: 'a', at: 5000, same: false },
  ])('ClientIP affinity: $name', ({ client2, at, same }) => {
    const b = new Balancer(clientIP);
    b.update([ep(1), ep(2)]);
    const first = b.pick('a', 0);
    expect(b.pick(client2, at) === first).toBe(same);
  });

  it('a client whose affine endpoint left is placed on a ready one, and stays there', () => {
    const b = new Balancer(clientIP);
    b.update([ep(1), ep(2)]);
    expect(b.pick('a', 0)).toEqual(ep(1));
    b.update([ep(2), ep(3)]);
    const next = b.pick('a', 1);
    expect(next).not.toEqual(ep(1));
    expect(b.pick('a', 2)).toEqual(next);
  });

  it('skips excluded endpoints (a refused connect), and gives nothing when all are excluded', () => {
    const b = new Balancer(none);
    b.update([ep(1), ep(2)]);
    expect(b.pick('a', 0, new Set([targetKey(ep(1))]))).toEqual(ep(2));
    expect(b.pick('a', 0, new Set([targetKey(ep(1)), targetKey(ep(2))]))).toBeUndefined();
  });

  const endpointSets = fc.array(fc.uniqueArray(fc.integer({ min: 1, max: 20 }), { maxLength: 6 }), {
    minLength: 1,
    maxLength: 5,
  });

  it('property: never picks an endpoint outside the current ready set', () => {
    fc.assert(
      fc.property(
        endpointSets,
        fc.boolean(),
        fc.array(fc.nat(5), { maxLength: 30 }),
        (sets, affine, clients) => {
          const b = new Balancer(affine ? clientIP : none);
          for (const set of sets) {
            b.update(set.map(ep));
            const ready = new Set(set.map((n) => targetKey(ep(n))));
            for (const c of clients) {
              const picked = b.pick(`c${c}`, 0);
              if (set.length === 0) expect(picked).toBeUndefined();
              else expect(ready.has(targetKey(picked as EndpointTarget))).toBe(true);
            }
          }
        },
      ),
    );
  });

  it('property: round robin spreads k·n new connections exactly k per endpoint', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 10 }),
        fc.nat(7),
        (n, k, skip) => {
          const b = new Balancer(none);
          b.update(Array.from({ length: n }, (_, i) => ep(i)));
          for (let i = 0; i < skip; i++) b.pick('warm', 0); // wherever the rotation stands
          const counts = new Map<string, number>();
          for (let i = 0; i < k * n; i++) {
            const key = targetKey(b.pick(`c${i}`, 0) as EndpointTarget);
            counts.set(key, (counts.get(key) ?? 0) + 1);
          }
          expect([...counts.values()]).toEqual(Array(n).fill(k));
        },
      ),
    );
  });

  it('property: with ClientIP, a client keeps its endpoint while it stays ready, whatever else changes', () => {
    fc.assert(
      fc.property(endpointSets, (sets) => {
        const b = new Balancer(clientIP);
        b.update([ep(0), ...sets[0]!.map(ep)]);
        const held = b.pick('client', 0) as EndpointTarget;
        for (const set of sets) {
          b.update([held, ...set.filter((n) => targetKey(ep(n)) !== targetKey(held)).map(ep)]);
          expect(b.pick('client', 1)).toEqual(held);
        }
      }),
    );
  });
});

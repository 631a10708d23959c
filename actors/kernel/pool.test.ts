import { match } from 'ts-pattern';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../protocol/clock.js';
import type { ActorLogic, SupervisionEvent } from './actor.js';
import { silentLogger } from './log.js';
import { ActorSystem } from './system.js';
import { type Deferred, deferred } from './testing/deferred.js';
import { waitFor } from './testing/wait-for.js';

/** An API-server-like request: held until the test releases it. */
type Request =
  | { readonly type: 'request'; readonly id: number; readonly gate: Deferred<void> }
  | { readonly type: 'crash'; readonly id: number };

interface Observed {
  active: number;
  maxActive: number;
  /** instance → requests it is holding right now */
  readonly perInstance: Map<number, number>;
  maxPerInstance: number;
  readonly served: Array<{ id: number; instance: number }>;
}

function observed(): Observed {
  return { active: 0, maxActive: 0, perInstance: new Map(), maxPerInstance: 0, served: [] };
}

function worker(o: Observed): ActorLogic<Request> {
  return {
    receive: (msg, ctx) =>
      match(msg)
        .with({ type: 'request' }, async ({ id, gate }) => {
          const mine = (o.perInstance.get(ctx.instance) ?? 0) + 1;
          o.perInstance.set(ctx.instance, mine);
          o.maxPerInstance = Math.max(o.maxPerInstance, mine);
          o.active++;
          o.maxActive = Math.max(o.maxActive, o.active);
          await gate.promise;
          o.active--;
          o.perInstance.set(ctx.instance, mine - 1);
          o.served.push({ id, instance: ctx.instance });
        })
        .with({ type: 'crash' }, ({ id }) => {
          throw new Error(`request ${id} crashed its worker`);
        })
        .exhaustive(),
  };
}

let system: ActorSystem;
let clock: SimulatedClock;
let events: SupervisionEvent[];

function makeSystem(): void {
  clock = new SimulatedClock();
  events = [];
  system = new ActorSystem({
    clock,
    log: silentLogger(),
    random: () => 0,
    onChildEvent: (e) => events.push(e),
  });
}

afterEach(async () => {
  await system.stop();
});

describe('ActorSystem.spawnPool', () => {
  it('serves N messages at once, never two in one instance', async () => {
    makeSystem();
    const o = observed();
    const pool = system.spawnPool('api', () => worker(o), { instances: 3 });
    expect(pool.instances).toBe(3);
    const gates = Array.from({ length: 7 }, () => deferred());
    for (const [id, gate] of gates.entries()) pool.send({ type: 'request', id, gate });

    await waitFor(() => expect(o.active).toBe(3));
    // Release one at a time: the freed instance picks up the next queued request.
    for (const [released, gate] of gates.entries()) {
      gate.resolve();
      await waitFor(() => expect(o.served.length).toBeGreaterThan(released));
    }
    await waitFor(() => expect(o.served).toHaveLength(7));
    expect(o.maxActive).toBe(3);
    expect(o.maxPerInstance).toBe(1);
    expect(new Set(o.served.map((s) => s.instance))).toEqual(new Set([0, 1, 2]));
  });

  it('restarts only the instance that failed; the others keep serving', async () => {
    makeSystem();
    const o = observed();
    let built = 0;
    const pool = system.spawnPool(
      'api',
      () => {
        built++;
        return worker(o);
      },
      { instances: 2 },
    );
    const held = deferred();
    pool.send({ type: 'request', id: 1, gate: held });
    await waitFor(() => expect(o.active).toBe(1));
    pool.send({ type: 'crash', id: 2 });
    await waitFor(() => expect(events).toMatchObject([{ type: 'child-failed', child: pool, restarts: 1 }]));
    held.resolve();
    const after = deferred();
    after.resolve();
    pool.send({ type: 'request', id: 3, gate: after });
    // Served by the surviving instance while the other waits out its 100 ms backoff.
    await waitFor(() => expect(o.served.map((s) => s.id)).toEqual([1, 3]));
    expect(built).toBe(2);
    await clock.advance(100);
    await waitFor(() => expect(built).toBe(3));
  });

  it('drains the shared queue on stop, across every instance', async () => {
    makeSystem();
    const o = observed();
    const pool = system.spawnPool('api', () => worker(o), { instances: 2 });
    const gates = Array.from({ length: 5 }, () => deferred());
    for (const [id, gate] of gates.entries()) pool.send({ type: 'request', id, gate });
    await waitFor(() => expect(o.active).toBe(2));
    const stopped = system.stopActor(pool);
    expect(pool.send({ type: 'crash', id: 99 })).toBe(false);
    for (const gate of gates) gate.resolve();
    await stopped;
    expect(o.served.map((s) => s.id).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(events).toEqual([{ type: 'child-stopped', child: pool, reason: 'stopped' }]);
  });
});

import { match } from 'ts-pattern';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../protocol/clock.js';
import type { ActorLogic, SupervisionEvent } from './actor.js';
import { silentLogger } from './log.js';
import { ActorSystem } from './system.js';
import { waitFor } from './testing/wait-for.js';

// Supervision as the runtime performs it: failures become messages, restarts wait out the backoff
// on the simulated clock (advanced exactly, never slept), escalation stops the child for good.
// The pure decision behind it is table-tested in supervision.test.ts.

let clock: SimulatedClock;
let system: ActorSystem;
let events: SupervisionEvent[];

function makeSystem(random = 0): ActorSystem {
  clock = new SimulatedClock();
  events = [];
  system = new ActorSystem({
    clock,
    log: silentLogger(),
    random: () => random,
    onChildEvent: (e) => events.push(e),
  });
  return system;
}

afterEach(async () => {
  await system.stop();
});

/** A child that throws on `boom`, counting the instances its factory built. */
function fragile(
  built: { count: number },
  handled: string[],
  failStart?: () => boolean,
): () => ActorLogic<string> {
  return () => {
    built.count++;
    return {
      start: () => {
        if (failStart?.()) throw new Error('cannot start');
      },
      receive: (msg) => {
        if (msg === 'boom') throw new Error(`boom in instance ${built.count}`);
        handled.push(`${msg}@${built.count}`);
      },
    };
  };
}

describe('ActorSystem: supervision', () => {
  it('delivers a failure to the parent as a message, and restarts after exactly the backoff', async () => {
    makeSystem();
    const seen: string[] = [];
    type ParentMsg = SupervisionEvent | { readonly type: 'ping' };
    const parent = system.spawn<ParentMsg>('parent', () => ({
      receive: (msg) =>
        match(msg)
          .with(
            { type: 'child-failed' },
            (e) => void seen.push(`${e.child.name} failed #${e.restarts} ${e.delayMs}ms`),
          )
          .with({ type: 'child-stopped' }, (e) => void seen.push(`${e.child.name} ${e.reason}`))
          .with({ type: 'ping' }, () => void seen.push('ping'))
          .exhaustive(),
    }));
    const built = { count: 0 };
    const handled: string[] = [];
    const child = system.spawn('child', fragile(built, handled), { supervisor: parent });

    child.send('boom');
    child.send('kept-1'); // queued behind the failure: the mailbox survives the restart
    await waitFor(() => expect(seen).toEqual(['child failed #1 100ms']));
    child.send('kept-2');
    await clock.advance(99);
    expect(built.count).toBe(1);
    expect(handled).toEqual([]);
    await clock.advance(1);
    await waitFor(() => expect(handled).toEqual(['kept-1@2', 'kept-2@2']));

    // The next failure doubles the delay: 200 ms.
    child.send('boom');
    await waitFor(() => expect(seen).toContain('child failed #2 200ms'));
    await clock.advance(199);
    expect(built.count).toBe(2);
    await clock.advance(1);
    await waitFor(() => expect(built.count).toBe(3));
  });

  it('restarts an actor whose start hook throws', async () => {
    makeSystem();
    const built = { count: 0 };
    const handled: string[] = [];
    const ref = system.spawn(
      'flaky-start',
      fragile(built, handled, () => built.count === 1),
    );
    ref.send('hello');
    await waitFor(() =>
      expect(events).toMatchObject([{ type: 'child-failed', phase: 'start', restarts: 1 }]),
    );
    await clock.advance(100);
    await waitFor(() => expect(handled).toEqual(['hello@2']));
  });

  it('escalates past maxRestarts in the window: stops the child and says so', async () => {
    makeSystem();
    const built = { count: 0 };
    const ref = system.spawn('doomed', fragile(built, []), { policy: { maxRestarts: 2 } });
    for (const delay of [100, 200]) {
      ref.send('boom');
      await waitFor(() => expect(events.at(-1)).toMatchObject({ type: 'child-failed', delayMs: delay }));
      await clock.advance(delay);
    }
    ref.send('boom');
    await waitFor(() =>
      expect(events.at(-1)).toMatchObject({
        type: 'child-stopped',
        reason: 'escalated',
        error: expect.any(Error),
      }),
    );
    expect(events.map((e) => e.type)).toEqual(['child-failed', 'child-failed', 'child-stopped']);
    expect(ref.send('late')).toBe(false);
    expect(system.names).toEqual([]);
  });

  it('forgets past failures after a stable period', async () => {
    makeSystem();
    const built = { count: 0 };
    const ref = system.spawn('steady', fragile(built, []), { policy: { stableAfterMs: 10_000 } });
    ref.send('boom');
    await waitFor(() => expect(events).toHaveLength(1));
    await clock.advance(100);
    ref.send('boom');
    await waitFor(() => expect(events).toHaveLength(2));
    await clock.advance(200);
    await waitFor(() => expect(built.count).toBe(3));
    await clock.advance(10_000);
    ref.send('boom');
    await waitFor(() => expect(events).toHaveLength(3));
    expect(events.map((e) => (e.type === 'child-failed' ? [e.restarts, e.delayMs] : e.type))).toEqual([
      [1, 100],
      [2, 200],
      [1, 100],
    ]);
  });

  it('applies jitter from the injected random source', async () => {
    clock = new SimulatedClock();
    events = [];
    system = new ActorSystem({
      clock,
      log: silentLogger(),
      random: () => 0.5,
      onChildEvent: (e) => events.push(e),
    });
    const ref = system.spawn('jittery', fragile({ count: 0 }, []));
    ref.send('boom');
    await waitFor(() => expect(events).toMatchObject([{ type: 'child-failed', delayMs: 90 }]));
  });

  it('cuts a restart backoff short when stopped with drain, to finish the queue', async () => {
    makeSystem();
    const built = { count: 0 };
    const handled: string[] = [];
    const ref = system.spawn('draining', fragile(built, handled));
    ref.send('boom');
    ref.send('queued');
    await waitFor(() => expect(events).toHaveLength(1));
    await system.stopActor(ref);
    expect(handled).toEqual(['queued@2']);
    expect(events.at(-1)).toMatchObject({ type: 'child-stopped', reason: 'stopped' });
  });

  it('keeps failures inside the actor, even when the root handler itself throws', async () => {
    clock = new SimulatedClock();
    system = new ActorSystem({
      clock,
      log: silentLogger(),
      random: () => 0,
      onChildEvent: () => {
        throw new Error('bad handler');
      },
    });
    const built = { count: 0 };
    const handled: string[] = [];
    const ref = system.spawn('thrower', fragile(built, handled));
    expect(() => ref.send('boom')).not.toThrow();
    ref.send('after');
    await waitFor(() => expect(clock.pendingTimers).toBe(1));
    await clock.advance(100);
    await waitFor(() => expect(handled).toEqual(['after@2']));
  });
});

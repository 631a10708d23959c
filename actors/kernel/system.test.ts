import { match } from 'ts-pattern';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../protocol/clock.js';
import { SpawnError } from '../../protocol/errors.js';
import type { ActorLogic, ActorRef, SupervisionEvent } from './actor.js';
import { silentLogger } from './log.js';
import { ActorSystem } from './system.js';
import { deferred } from './testing/deferred.js';
import { waitFor } from './testing/wait-for.js';

/** A counter's protocol: a discriminated union, matched exhaustively. */
type CounterMsg =
  | { readonly type: 'add'; readonly n: number }
  | { readonly type: 'get'; readonly reply: (value: number) => void }
  | { readonly type: 'hold'; readonly until: Promise<void> };

function counter(trace: string[] = []): ActorLogic<CounterMsg> {
  let total = 0;
  return {
    start: () => {
      trace.push('start');
    },
    receive: (msg) =>
      match(msg)
        .with({ type: 'add' }, ({ n }) => {
          total += n;
          trace.push(`add ${n}`);
        })
        .with({ type: 'get' }, ({ reply }) => reply(total))
        .with({ type: 'hold' }, async ({ until }) => {
          trace.push('hold');
          await until;
        })
        .exhaustive(),
    stop: () => {
      trace.push('stop');
    },
  };
}

function ask(ref: ActorRef<CounterMsg>): Promise<number> {
  const answer = deferred<number>();
  ref.send({ type: 'get', reply: answer.resolve });
  return answer.promise;
}

let clock: SimulatedClock;
let system: ActorSystem;
let events: SupervisionEvent[];

function makeSystem(): ActorSystem {
  clock = new SimulatedClock();
  events = [];
  system = new ActorSystem({
    clock,
    log: silentLogger(),
    random: () => 0,
    onChildEvent: (e) => events.push(e),
  });
  return system;
}

afterEach(async () => {
  await system.stop();
});

describe('ActorSystem: messages', () => {
  it('runs start, then messages in order, and answers through a reply in the message', async () => {
    makeSystem();
    const trace: string[] = [];
    const ref = system.spawn('counter', () => counter(trace));
    for (const n of [1, 2, 3]) ref.send({ type: 'add', n });
    expect(await ask(ref)).toBe(6);
    expect(trace).toEqual(['start', 'add 1', 'add 2', 'add 3']);
  });

  it('handles one message at a time even when many senders send at once', async () => {
    makeSystem();
    let inFlight = 0;
    let maxInFlight = 0;
    const handled: number[] = [];
    const ref = system.spawn<number>('serial', () => ({
      receive: async (n) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        // Several hops through the event loop, so an overlapping delivery would be caught here.
        for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
        handled.push(n);
        inFlight--;
      },
    }));
    const senders = Array.from({ length: 8 }, (_, s) =>
      (async () => {
        for (let i = 0; i < 5; i++) {
          ref.send(s * 100 + i);
          await Promise.resolve();
        }
      })(),
    );
    await Promise.all(senders);
    await waitFor(() => expect(handled).toHaveLength(40));
    expect(maxInFlight).toBe(1);
    for (let s = 0; s < 8; s++) {
      const fromSender = handled.filter((n) => Math.floor(n / 100) === s);
      expect(fromSender).toEqual([0, 1, 2, 3, 4].map((i) => s * 100 + i));
    }
  });

  it('rejects a second actor with the same name, and spawns after stop', async () => {
    makeSystem();
    system.spawn('a', () => counter());
    expect(() => system.spawn('a', () => counter())).toThrow(SpawnError);
    expect(() => system.spawnPool('p', () => counter(), { instances: 0 })).toThrow(SpawnError);
    await system.stop();
    expect(() => system.spawn('b', () => counter())).toThrow(/stopped/);
  });
});

describe('ActorSystem: stop', () => {
  it('drains: refuses new messages, finishes queued ones, then runs the stop hook', async () => {
    makeSystem();
    const trace: string[] = [];
    let signalAtStop: boolean | undefined;
    const gate = deferred();
    const ref = system.spawn<CounterMsg>('drain', () => {
      const logic = counter(trace);
      return {
        ...logic,
        stop: (ctx) => {
          signalAtStop = ctx.signal.aborted;
          trace.push('stop');
        },
      };
    });
    ref.send({ type: 'hold', until: gate.promise });
    ref.send({ type: 'add', n: 1 });
    ref.send({ type: 'add', n: 2 });
    await waitFor(() => trace.includes('hold'));
    const stopped = system.stopActor(ref);
    expect(ref.send({ type: 'add', n: 100 })).toBe(false);
    gate.resolve();
    await stopped;
    expect(trace).toEqual(['start', 'hold', 'add 1', 'add 2', 'stop']);
    expect(signalAtStop).toBe(true);
    expect(events).toEqual([{ type: 'child-stopped', child: ref, reason: 'stopped' }]);
    expect(system.names).toEqual([]);
  });

  it('without drain: aborts the signal at once, drops the queue, still runs the stop hook', async () => {
    makeSystem();
    const trace: string[] = [];
    const sawAbort = deferred();
    const ref = system.spawn<CounterMsg>('halt', () => ({
      ...counter(trace),
      receive: (_msg, ctx) =>
        new Promise<void>((resolve) => {
          trace.push('busy');
          ctx.signal.addEventListener('abort', () => {
            sawAbort.resolve();
            resolve();
          });
        }),
    }));
    ref.send({ type: 'add', n: 1 });
    ref.send({ type: 'add', n: 2 });
    await waitFor(() => trace.includes('busy'));
    await system.stopActor('halt', { drain: false });
    expect(sawAbort.settled).toBe(true);
    expect(trace).toEqual(['start', 'busy', 'stop']);
  });

  it('stops every actor in reverse spawn order, each drained', async () => {
    makeSystem();
    const order: string[] = [];
    for (const name of ['first', 'second', 'third']) {
      const ref = system.spawn<CounterMsg>(name, () => ({ ...counter(), stop: () => void order.push(name) }));
      ref.send({ type: 'add', n: 1 });
    }
    await system.stop();
    expect(order).toEqual(['third', 'second', 'first']);
  });
});

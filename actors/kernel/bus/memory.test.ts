import { describe, expect, it } from 'vitest';
import { type BusLogger, DEFAULT_MAX_PAYLOAD } from '../../../protocol/bus.js';
import { SimulatedClock } from '../../../protocol/clock.js';
import {
  BusClosedError,
  BusError,
  LogExpiredError,
  PayloadTooLargeError,
  RequestTimeoutError,
} from '../../../protocol/errors.js';
import { captureLogger, silentLogger } from '../log.js';
import { deferred } from '../testing/deferred.js';
import { waitFor } from '../testing/wait-for.js';
import { describeBusContract, pattern, subj } from './contract.js';
import { MemoryBus } from './memory.js';

describeBusContract('memory', async () => ({
  bus: new MemoryBus({ log: silentLogger('bus') }),
  cleanup: async () => undefined,
}));

describe('MemoryBus with a simulated clock', () => {
  const setup = () => {
    const clock = new SimulatedClock();
    const bus = new MemoryBus({ clock, log: silentLogger('bus') });
    return { clock, bus };
  };

  it('remembers a msgId for exactly the duplicate window', async () => {
    const { clock, bus } = setup();
    const log = await bus.log('DEDUP', { subjects: [pattern('d.>')], duplicateWindowMs: 1_000 });
    expect(await log.append(subj('d.x'), '1', { msgId: 'k' })).toEqual({ seq: 1, duplicate: false });
    await clock.advance(999);
    expect(await log.append(subj('d.x'), '2', { msgId: 'k' })).toEqual({ seq: 1, duplicate: true });
    await clock.advance(1);
    expect(await log.append(subj('d.x'), '3', { msgId: 'k' })).toEqual({ seq: 2, duplicate: false });
  });

  it('clamps the duplicate window to maxAge, as JetStream requires', async () => {
    const { clock, bus } = setup();
    const log = await bus.log('CLAMP', {
      subjects: [pattern('c.>')],
      maxAgeMs: 500,
      duplicateWindowMs: 60_000,
    });
    await log.append(subj('c.x'), '1', { msgId: 'k' });
    await clock.advance(500);
    expect((await log.append(subj('c.x'), '2', { msgId: 'k' })).duplicate).toBe(false);
  });

  it('drops entries older than maxAge', async () => {
    const { clock, bus } = setup();
    const log = await bus.log('AGED', { subjects: [pattern('a.>')], maxAgeMs: 10_000 });
    await log.append(subj('a.x'), 'old');
    await clock.advance(6_000);
    await log.append(subj('a.x'), 'newer');
    await clock.advance(4_000);
    expect(await log.info()).toEqual({ firstSeq: 2, lastSeq: 2, messages: 1 });
    expect(await log.get(1)).toBeUndefined();
    await clock.advance(6_000);
    expect(await log.info()).toEqual({ firstSeq: 3, lastSeq: 2, messages: 0 });
  });

  it('times requests out on the injected clock', async () => {
    const { clock, bus } = setup();
    bus.subscribe(pattern('svc.silent'), () => undefined);
    let outcome: unknown;
    bus.request(subj('svc.silent'), 'x', { timeoutMs: 1_000 }).catch((err: unknown) => {
      outcome = err;
    });
    await clock.advance(999);
    expect(outcome).toBeUndefined();
    await clock.advance(1);
    expect(outcome).toBeInstanceOf(RequestTimeoutError);
  });
});

describe('MemoryBus log readers and trimming', () => {
  it('ends a reader that falls behind trimming while it reads', async () => {
    const bus = new MemoryBus({ log: silentLogger('bus') });
    const log = await bus.log('BEHIND', { subjects: [pattern('b.>')], maxMessages: 3 });
    const gate = deferred();
    const handled: number[] = [];
    const reader = await log.read(
      async (e) => {
        handled.push(e.seq);
        await gate.promise;
      },
      { startSeq: 1 },
    );
    await log.append(subj('b.x'), '1');
    await waitFor(() => handled.length === 1);
    // Entry 2 is still needed when append 5 pushes it out (3, 4, 5 remain).
    for (let i = 2; i <= 6; i++) await log.append(subj('b.x'), String(i));
    gate.resolve();
    expect(await reader.closed).toEqual(new LogExpiredError(2, 3));
    expect(handled).toEqual([1]);
  });

  it('does not expire a filtered reader when only entries it would skip were trimmed', async () => {
    const bus = new MemoryBus({ log: silentLogger('bus') });
    const log = await bus.log('SKIPPED', { subjects: [pattern('s.>')], maxMessages: 2 });
    const gate = deferred();
    const handled: string[] = [];
    const reader = await log.read(
      async (e) => {
        handled.push(e.subject);
        await gate.promise;
      },
      { startSeq: 1, filter: pattern('s.mine') },
    );
    await log.append(subj('s.mine'), '1');
    await waitFor(() => handled.length === 1);
    for (let i = 0; i < 4; i++) await log.append(subj('s.other'), String(i));
    await log.append(subj('s.mine'), '2');
    gate.resolve();
    await waitFor(() => handled.length === 2);
    expect(handled).toEqual(['s.mine', 's.mine']);
    await reader.close();
    expect(await reader.closed).toBeUndefined();
  });

  it('expires a reader that still needed purged entries', async () => {
    const bus = new MemoryBus({ log: silentLogger('bus') });
    const log = await bus.log('PURGED', { subjects: [pattern('p.>')] });
    const gate = deferred();
    let started = false;
    const reader = await log.read(
      () => {
        started = true;
        return gate.promise;
      },
      { startSeq: 1 },
    );
    for (let i = 0; i < 3; i++) await log.append(subj('p.x'), String(i));
    await waitFor(() => started);
    await log.purge();
    gate.resolve();
    expect(await reader.closed).toEqual(new LogExpiredError(2, 4));
  });

  it('ends readers with BusClosedError when the bus closes', async () => {
    const bus = new MemoryBus({ log: silentLogger('bus') });
    const log = await bus.log('CLOSING', { subjects: [pattern('z.>')] });
    const reader = await log.read(() => undefined);
    await bus.close();
    expect(await reader.closed).toBeInstanceOf(BusClosedError);
    await expect(log.append(subj('z.x'), 'x')).rejects.toBeInstanceOf(BusClosedError);
  });

  it('refuses a log whose subjects overlap another log, as JetStream does', async () => {
    const bus = new MemoryBus({ log: silentLogger('bus') });
    await bus.log('ONE', { subjects: [pattern('o.*.x')] });
    await expect(bus.log('TWO', { subjects: [pattern('o.a.>')] })).rejects.toBeInstanceOf(BusError);
    await expect(bus.log('THREE', { subjects: [pattern('o.a')] })).resolves.toBeDefined();
    await expect(bus.log('bad.name', { subjects: [pattern('q.>')] })).rejects.toBeInstanceOf(BusError);
  });
});

describe('MemoryBus durable consumers on a simulated clock', () => {
  const setup = async () => {
    const clock = new SimulatedClock();
    const captured = captureLogger();
    const bus = new MemoryBus({ clock, log: captured.log });
    const log = await bus.log('WORK', { subjects: [pattern('w.>')], maxMessages: 3 });
    const seen: string[] = [];
    const consume = (decide: (seq: number) => 'ack' | 'retry' | 'hang', options = {}) =>
      log.consume(
        'c',
        async (e) => {
          seen.push(`${e.seq}/${e.deliveryCount}`);
          const outcome = decide(e.seq);
          return outcome === 'hang' ? new Promise<never>(() => undefined) : outcome;
        },
        options,
      );
    return { clock, captured, log, seen, consume };
  };

  it('redelivers exactly when the ack wait ends', async () => {
    const { clock, log, seen, consume } = await setup();
    let calls = 0;
    // The first delivery hangs (a dead member); the second member takes over after the ack wait.
    await consume(() => (calls++ === 0 ? 'hang' : 'ack'), { ackWaitMs: 1_000 });
    await log.append(subj('w.x'), '1');
    await waitFor(() => seen.length === 1);
    await consume(() => 'ack', { ackWaitMs: 1_000 });
    await clock.advance(999);
    expect(seen).toEqual(['1/1']);
    await clock.advance(1);
    await waitFor(() => seen.length === 2);
    expect(seen).toEqual(['1/1', '1/2']);
  });

  it('waits exactly the retry delay before a redelivery', async () => {
    const { clock, log, seen, consume } = await setup();
    await consume((seq) => (seen.filter((s) => s.startsWith(`${seq}/`)).length === 1 ? 'retry' : 'ack'), {
      retryDelayMs: 500,
    });
    await log.append(subj('w.x'), '1');
    await waitFor(() => seen.length === 1);
    await clock.advance(499);
    expect(seen).toEqual(['1/1']);
    await clock.advance(1);
    await waitFor(() => seen.length === 2);
    expect(seen).toEqual(['1/1', '1/2']);
  });

  it('logs entries trimmed before their redelivery, and those skipped unseen', async () => {
    const { clock, captured, log, seen, consume } = await setup();
    const member = await consume((seq) => (seq === 1 ? 'retry' : 'ack'), {
      retryDelayMs: 100,
      maxInFlight: 1,
    });
    await log.append(subj('w.x'), '1');
    await waitFor(() => seen.length === 1);
    // maxMessages 3: entry 1 is trimmed while it waits, and 2 and 3 behind it with it.
    for (let i = 2; i <= 6; i++) await log.append(subj('w.x'), String(i));
    await clock.advance(100);
    await waitFor(() => seen.length === 4);
    expect(seen).toEqual(['1/1', '4/1', '5/1', '6/1']);
    expect(captured.find('trimmed before its redelivery')).toHaveLength(1);
    expect(captured.find('skipped trimmed entries')[0]).toMatchObject({ from: 2, to: 3 });
    await member.close();
  });
});

describe('MemoryBus payload limit', () => {
  it('defaults to NATS default max_payload, and refuses a limit that is not a size', () => {
    expect(new MemoryBus({ log: silentLogger('bus') }).maxPayload).toBe(DEFAULT_MAX_PAYLOAD);
    expect(() => new MemoryBus({ maxPayload: 0 })).toThrow(BusError);
    expect(() => new MemoryBus({ maxPayload: 1.5 })).toThrow(BusError);
  });

  it('enforces a configured limit on publish, request, respond and append', async () => {
    const bus = new MemoryBus({ log: silentLogger('bus'), maxPayload: 100 });
    const replies: string[] = [];
    bus.subscribe(pattern('svc.x'), (m) => {
      try {
        m.respond(new Uint8Array(101));
      } catch (err) {
        replies.push((err as Error).name);
        m.respond('too big');
      }
    });
    bus.publish(subj('svc.y'), new Uint8Array(100));
    expect(() => bus.publish(subj('svc.y'), new Uint8Array(101))).toThrow(PayloadTooLargeError);
    // 'NATS/1.0' + '\r\nX: y' + '\r\n\r\n' is 18 bytes of headers.
    expect(() => bus.publish(subj('svc.y'), new Uint8Array(83), { headers: new Map([['X', 'y']]) })).toThrow(
      PayloadTooLargeError,
    );
    await expect(
      bus.request(subj('svc.x'), new Uint8Array(101), { timeoutMs: 1_000 }),
    ).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect((await bus.request(subj('svc.x'), 'q', { timeoutMs: 1_000 })).text()).toBe('too big');
    expect(replies).toEqual(['PayloadTooLargeError']);
    const log = await bus.log('SMALL', { subjects: [pattern('s.>')] });
    await expect(log.append(subj('s.x'), new Uint8Array(101))).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect((await log.append(subj('s.x'), new Uint8Array(100))).seq).toBe(1);
  });
});

describe('MemoryBus logging', () => {
  it('accepts the kernel logger and reports handler failures and dropped replies', async () => {
    const captured = captureLogger();
    const logger: BusLogger = captured.log;
    const bus = new MemoryBus({ log: logger });
    bus.subscribe(pattern('l.x'), (m) => {
      m.respond('nobody asked');
      throw new Error('boom');
    });
    bus.publish(subj('l.x'), 'x');
    await waitFor(() => captured.find('message handler failed').length === 1);
    expect(captured.find('without a reply subject')).toHaveLength(1);
  });
});

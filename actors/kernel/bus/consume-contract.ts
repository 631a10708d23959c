/**
 * Test support (imported only by `contract.ts`): the durable-consumer part of the Bus contract, run
 * against `MemoryBus` and `NatsBus` alike. Each test uses its own log, so names never collide.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type {
  Bus,
  ConsumedEntry,
  ConsumeOptions,
  ConsumeOutcome,
  EventLog,
  LogReader,
} from '../../../protocol/bus.js';
import { BusClosedError, BusError } from '../../../protocol/errors.js';
import { type Deferred, deferred } from '../testing/deferred.js';
import { contractLogName, pattern, subj } from './contract.js';

/** What the consumer tests borrow from the surrounding contract: this test's bus, prefix and waiter. */
export interface ConsumeContractContext {
  readonly bus: Bus;
  readonly prefix: string;
  until<T>(check: () => T | Promise<T>, description: string): Promise<unknown>;
}

type Decide = (entry: ConsumedEntry) => ConsumeOutcome | Promise<ConsumeOutcome>;

/** A member that records `seq/deliveryCount` of everything it is handed. */
interface Recorded {
  readonly seen: string[];
  readonly member: LogReader;
}

/** Registers the consumer tests; `ctx` is read inside each test, after the contract's beforeEach. */
export function describeConsumeContract(ctx: () => ConsumeContractContext): void {
  describe('durable consumers', () => {
    let log: EventLog;
    let p: string;
    let gates: Deferred<void>[] = [];

    async function setup(): Promise<ConsumeContractContext> {
      const c = ctx();
      p = c.prefix;
      gates = [];
      log = await c.bus.log(contractLogName(), { subjects: [pattern(`${p}.cq.>`)] });
      return c;
    }

    async function append(...subjects: string[]): Promise<void> {
      for (const s of subjects) await log.append(subj(`${p}.cq.${s}`), s);
    }

    async function member(name: string, options: ConsumeOptions = {}, decide?: Decide): Promise<Recorded> {
      const seen: string[] = [];
      const m = await log.consume(
        name,
        async (e) => {
          seen.push(`${e.seq}/${e.deliveryCount}`);
          return decide ? decide(e) : 'ack';
        },
        options,
      );
      return { seen, member: m };
    }

    /** A gate the test releases; every gate still shut is opened before the bus closes. */
    function gate(): Deferred<void> {
      const g = deferred();
      gates.push(g);
      return g;
    }

    async function openGates(): Promise<void> {
      for (const g of gates) g.resolve();
    }

    // Before the contract's own afterEach closes the bus: closing waits for handlers in hand.
    afterEach(openGates);

    it('delivers every entry once, in order, and keeps the position across members', async () => {
      const { until } = await setup();
      await append('a', 'b', 'c');
      const first = await member('work');
      await until(() => first.seen.length === 3, 'three entries');
      expect(first.seen).toEqual(['1/1', '2/1', '3/1']);
      await first.member.close();
      expect(await first.member.closed).toBeUndefined();

      await append('d', 'e');
      const second = await member('work');
      await until(() => second.seen.length === 2, 'the two new entries');
      await append('sentinel');
      await until(() => second.seen.length === 3, 'sentinel');
      expect(second.seen).toEqual(['4/1', '5/1', '6/1']);
      await second.member.close();
    });

    it('shares entries among the members of one name, and feeds every name', async () => {
      const { until } = await setup();
      const yieldThenAck: Decide = async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return 'ack' as const;
      };
      const a = await member('shared', {}, yieldThenAck);
      const b = await member('shared', {}, yieldThenAck);
      const audit = await member('audit');
      for (let i = 0; i < 50; i++) await append('x');
      await until(() => a.seen.length + b.seen.length === 50 && audit.seen.length === 50, 'all entries');
      const all = [...a.seen, ...b.seen].map((s) => Number(s.split('/')[0]));
      expect(new Set(all).size).toBe(50);
      expect(a.seen.length).toBeGreaterThan(0);
      expect(b.seen.length).toBeGreaterThan(0);
      expect(audit.seen).toEqual(Array.from({ length: 50 }, (_, i) => `${i + 1}/1`));
    });

    it('redelivers an entry answered with retry or a throw, counting deliveries', async () => {
      const { until } = await setup();
      const m = await member('retrying', { retryDelayMs: 50 }, (e) => {
        if (e.deliveryCount > 1) return 'ack';
        if (e.seq === 1) return 'retry';
        if (e.seq === 2) throw new Error('handler failed');
        return 'ack';
      });
      await append('a', 'b', 'c');
      await until(() => m.seen.length === 5, 'five deliveries');
      await append('sentinel');
      await until(() => m.seen.includes('4/1'), 'sentinel');
      expect([...m.seen].sort()).toEqual(['1/1', '1/2', '2/1', '2/2', '3/1', '4/1']);
    });

    it('keeps the log in order through retries with maxInFlight 1', async () => {
      const { until } = await setup();
      const m = await member('ordered', { retryDelayMs: 50, maxInFlight: 1 }, (e) =>
        e.seq === 1 && e.deliveryCount < 3 ? 'retry' : 'ack',
      );
      await append('a', 'b', 'c');
      await until(() => m.seen.length === 5, 'five deliveries');
      expect(m.seen).toEqual(['1/1', '1/2', '1/3', '2/1', '3/1']);
    });

    it('gives an entry up after maxDeliver deliveries and moves on', async () => {
      const { until } = await setup();
      const m = await member('bounded', { retryDelayMs: 50, maxDeliver: 2, maxInFlight: 1 }, (e) =>
        e.seq === 1 ? 'retry' : 'ack',
      );
      await append('poison', 'b');
      await until(() => m.seen.includes('2/1'), 'the entry after the poison one');
      await append('c');
      await until(() => m.seen.includes('3/1'), 'a later entry');
      expect(m.seen).toEqual(['1/1', '1/2', '2/1', '3/1']);
    });

    it('hands an entry unanswered within the ack wait to another member', async () => {
      const { until } = await setup();
      const stuck = gate();
      const options = { ackWaitMs: 500 };
      const dead = await member('failover', options, async () => {
        await stuck.promise;
        return 'ack' as const;
      });
      await append('a');
      await until(() => dead.seen.length === 1, 'first delivery');
      const alive = await member('failover', options);
      await until(() => alive.seen.length === 1, 'redelivery after the ack wait');
      expect(alive.seen).toEqual(['1/2']);
      await openGates();
      await append('b');
      await until(() => alive.seen.length + dead.seen.length === 3, 'next entry');
      expect([...dead.seen, ...alive.seen].sort()).toEqual(['1/1', '1/2', '2/1']);
    });

    it('delivers only entries matching its filter', async () => {
      const { until } = await setup();
      const m = await member('filtered', { filter: pattern(`${p}.cq.a.*`) });
      await append('a.1', 'b.1', 'a.2');
      await until(() => m.seen.length === 2, 'two matching entries');
      expect(m.seen).toEqual(['1/1', '3/1']);
    });

    it('refuses another filter under the same name, a bad name and a filter outside the log', async () => {
      await setup();
      await member('fixed', { filter: pattern(`${p}.cq.a.*`) });
      await expect(member('fixed', { filter: pattern(`${p}.cq.b.*`) })).rejects.toBeInstanceOf(BusError);
      await expect(member('fixed')).rejects.toBeInstanceOf(BusError);
      await expect(member('bad.name')).rejects.toBeInstanceOf(BusError);
      await expect(member('outside', { filter: pattern(`${p}.elsewhere`) })).rejects.toBeInstanceOf(BusError);
      await expect(member('zero', { maxInFlight: 0 })).rejects.toBeInstanceOf(BusError);
    });

    it('closes after settling the entry in hand', async () => {
      const { until } = await setup();
      const held = gate();
      const m = await member('closing', {}, async () => {
        await held.promise;
        return 'ack' as const;
      });
      await append('a');
      await until(() => m.seen.length === 1, 'delivery');
      let closed = false;
      const closing = m.member.close().then(() => {
        closed = true;
      });
      await append('b');
      expect(closed).toBe(false);
      held.resolve();
      await closing;
      expect(await m.member.closed).toBeUndefined();
      const next = await member('closing');
      await until(() => next.seen.length === 1, 'the entry after the acknowledged one');
      expect(m.seen).toEqual(['1/1']);
      expect(next.seen).toEqual(['2/1']);
    });

    it('ends its members with BusClosedError when the bus closes', async () => {
      const { bus } = await setup();
      const m = await member('bye');
      await bus.close();
      expect(await m.member.closed).toBeInstanceOf(BusClosedError);
    });
  });
}

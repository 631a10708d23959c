/**
 * Test support (imported only by `*.test.ts`): the one contract every `Bus` implementation passes.
 * `memory.test.ts` runs it on `MemoryBus`, `integration/bus-nats.test.ts` on `NatsBus` against a real
 * server. Every test uses its own random subject prefix and log names, so runs can share a server.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, BusMessage, BusStatus, EventLog, LogEntry } from '../../../protocol/bus.js';
import {
  BusClosedError,
  BusError,
  LogExpiredError,
  LogSequenceMismatchError,
  NoRespondersError,
  PayloadTooLargeError,
  RequestTimeoutError,
} from '../../../protocol/errors.js';
import type { Subject, SubjectPattern } from '../../../protocol/subjects.js';
import { deferred } from '../testing/deferred.js';
import { waitFor } from '../testing/wait-for.js';
import { describeConsumeContract } from './consume-contract.js';
import { appendSize, encodedHeadersSize } from './validate.js';

/** A bus for one test, and what to do after it (close servers, delete streams). */
export interface BusUnderTest {
  readonly bus: Bus;
  cleanup(): Promise<void>;
}

/** Knobs for running the contract against a slower implementation. */
export interface ContractOptions {
  /** How long `waitFor` waits for a delivery (default 10 s: real servers on slow CI machines). */
  readonly waitMs?: number;
}

/**
 * Every log this process's contract runs create is named with this prefix, so that a NATS cleanup
 * can delete exactly its own streams from a shared server.
 */
export const contractLogPrefix = `BUSCONTRACT_${randomBytes(4).toString('hex')}_`;

let logCounter = 0;

/** A fresh log name under `contractLogPrefix`. */
export function contractLogName(): string {
  return `${contractLogPrefix}${++logCounter}`;
}

/** A fresh subject prefix such as `bc-1a2b3c4d`, unique across runs sharing a server. */
export function uniquePrefix(): string {
  return `bc-${randomBytes(4).toString('hex')}`;
}

/** Casts a test subject: the bus tests need arbitrary subjects, not the protocol's builders. */
export function subj(s: string): Subject {
  return s as Subject;
}

/** Casts a test subject pattern. */
export function pattern(s: string): SubjectPattern {
  return s as SubjectPattern;
}

/** The error `fn` throws (undefined when it returns): for asserting on the fields of a sync throw. */
function catching(fn: () => void): unknown {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err;
  }
}

/** Runs the Bus contract against the buses `makeBus` returns (one per test). */
export function describeBusContract(
  name: string,
  makeBus: () => Promise<BusUnderTest>,
  opts: ContractOptions = {},
): void {
  const waitMs = opts.waitMs ?? 10_000;
  const until = <T>(check: () => T | Promise<T>, description: string) =>
    waitFor(check, { timeoutMs: waitMs, intervalMs: 5, description });

  describe(`Bus contract: ${name}`, () => {
    let bus: Bus;
    let cleanup: () => Promise<void>;
    let p: string;

    beforeEach(async () => {
      ({ bus, cleanup } = await makeBus());
      p = uniquePrefix();
    });

    afterEach(async () => {
      await bus.close();
      await cleanup();
    });

    /** Collects text payloads from a subscription. */
    function collect(pat: string, options?: { queue?: string }): { texts: string[]; msgs: BusMessage[] } {
      const texts: string[] = [];
      const msgs: BusMessage[] = [];
      bus.subscribe(
        pattern(pat),
        (m) => {
          texts.push(m.text());
          msgs.push(m);
        },
        options,
      );
      return { texts, msgs };
    }

    describe('publish and subscribe', () => {
      it('delivers to exact, `*` and `>` subscribers and to no one else', async () => {
        const exact = collect(`${p}.a.b`);
        const star = collect(`${p}.*.b`);
        const tail = collect(`${p}.>`);
        const other = collect(`${p}.x`);
        await bus.flush();
        bus.publish(subj(`${p}.a.b`), 'm1');
        bus.publish(subj(`${p}.c.b`), 'm2');
        bus.publish(subj(`${p}.a.b.c`), 'm3');
        // A sentinel `other` does match: anything wrongly routed to it would arrive before it.
        bus.publish(subj(`${p}.x`), 'sentinel');
        await until(
          () => tail.texts.length === 4 && exact.texts.length === 1 && star.texts.length === 2,
          'deliveries',
        );
        await until(() => other.texts.length === 1, 'sentinel');
        expect(exact.texts).toEqual(['m1']);
        expect(star.texts).toEqual(['m1', 'm2']);
        expect(tail.texts).toEqual(['m1', 'm2', 'm3', 'sentinel']);
        expect(other.texts).toEqual(['sentinel']);
      });

      it('never calls a handler inside publish', async () => {
        let calls = 0;
        bus.subscribe(pattern(`${p}.sync`), () => {
          calls++;
        });
        await bus.flush();
        bus.publish(subj(`${p}.sync`), 'x');
        expect(calls).toBe(0);
        await until(() => calls === 1, 'delivery');
      });

      it('carries binary payloads and headers unchanged, and copies the payload', async () => {
        const got = collect(`${p}.bin`);
        await bus.flush();
        const payload = Uint8Array.from({ length: 256 }, (_, i) => i);
        bus.publish(subj(`${p}.bin`), payload, { headers: new Map([['X-Trace-Id', 'abc-123']]) });
        payload.fill(0); // the publisher may reuse its buffer at once
        await until(() => got.msgs.length === 1, 'delivery');
        const msg = got.msgs[0] as BusMessage;
        expect(msg.subject).toBe(`${p}.bin`);
        expect([...msg.data]).toEqual(Array.from({ length: 256 }, (_, i) => i));
        expect(msg.headers?.get('X-Trace-Id')).toBe('abc-123');
        expect(msg.reply).toBeUndefined();
      });

      it('keeps the order of 1,000 messages from one publisher, with an async handler', async () => {
        const seen: number[] = [];
        bus.subscribe(pattern(`${p}.order`), async (m) => {
          // Yield inside the handler: the next message must still wait for this one.
          await new Promise((resolve) => setImmediate(resolve));
          seen.push(Number(m.text()));
        });
        await bus.flush();
        for (let i = 0; i < 1000; i++) bus.publish(subj(`${p}.order`), String(i));
        await until(() => seen.length === 1000, '1,000 messages');
        expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      });

      it('gives each message to exactly one member of a queue group, using every member', async () => {
        const members = [0, 1, 2].map(() => collect(`${p}.work`, { queue: 'workers' }));
        const plain = collect(`${p}.work`);
        await bus.flush();
        for (let i = 0; i < 1000; i++) bus.publish(subj(`${p}.work`), String(i));
        const total = () => members.reduce((n, m) => n + m.texts.length, 0);
        await until(() => total() === 1000 && plain.texts.length === 1000, 'all deliveries');
        const all = members.flatMap((m) => m.texts);
        expect(new Set(all).size).toBe(1000);
        for (const m of members) expect(m.texts.length).toBeGreaterThan(0);
        expect(plain.texts.length).toBe(1000);
      });

      it('refuses wildcards in a publish subject and a misplaced `>` in a pattern', () => {
        expect(() => bus.publish(subj(`${p}.*`), 'x')).toThrow(BusError);
        expect(() => bus.publish(subj(`${p}..a`), 'x')).toThrow(BusError);
        expect(() => bus.subscribe(pattern(`${p}.>.a`), () => undefined)).toThrow(BusError);
      });

      it('stops delivery at once on unsubscribe', async () => {
        let count = 0;
        const sub = bus.subscribe(pattern(`${p}.unsub`), () => {
          count++;
          sub.unsubscribe();
        });
        const sentinel = collect(`${p}.sentinel`);
        await bus.flush();
        for (let i = 0; i < 5; i++) bus.publish(subj(`${p}.unsub`), String(i));
        bus.publish(subj(`${p}.sentinel`), 'done');
        await until(() => sentinel.texts.length === 1, 'sentinel');
        await sub.closed;
        expect(count).toBe(1);
      });

      it('drains: handles what was received, takes nothing new, then resolves', async () => {
        const gate = deferred();
        const handled: string[] = [];
        let started = false;
        const sub = bus.subscribe(pattern(`${p}.drain`), async (m) => {
          started = true;
          await gate.promise;
          handled.push(m.text());
        });
        await bus.flush();
        for (const t of ['a', 'b', 'c']) bus.publish(subj(`${p}.drain`), t);
        await until(() => started, 'first handler call');
        const drained = sub.drain();
        bus.publish(subj(`${p}.drain`), 'late');
        gate.resolve();
        await drained;
        await sub.closed;
        expect(handled).toEqual(['a', 'b', 'c']);
      });
    });

    describe('request and reply', () => {
      it('answers a request through the reply subject, with headers both ways', async () => {
        bus.subscribe(
          pattern(`${p}.svc.*`),
          (m) => {
            expect(m.reply).toBeDefined();
            m.respond(`echo:${m.text()}:${m.headers?.get('X-Req') ?? ''}`, {
              headers: new Map([['X-Served-By', 'r1']]),
            });
          },
          { queue: 'svc' },
        );
        await bus.flush();
        const reply = await bus.request(subj(`${p}.svc.echo`), 'hi', {
          timeoutMs: 5_000,
          headers: new Map([['X-Req', '7']]),
        });
        expect(reply.text()).toBe('echo:hi:7');
        expect(reply.headers?.get('X-Served-By')).toBe('r1');
      });

      it('fails at once with NoRespondersError when nobody listens', async () => {
        const started = Date.now();
        const err = await bus
          .request(subj(`${p}.nobody`), 'x', { timeoutMs: 10_000 })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(NoRespondersError);
        expect((err as NoRespondersError).subject).toBe(`${p}.nobody`);
        expect(Date.now() - started).toBeLessThan(5_000);
      });

      it('fails with RequestTimeoutError when nobody answers in time', async () => {
        bus.subscribe(pattern(`${p}.silent`), () => undefined);
        await bus.flush();
        const err = await bus.request(subj(`${p}.silent`), 'x', { timeoutMs: 200 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RequestTimeoutError);
        expect((err as RequestTimeoutError).timeoutMs).toBe(200);
      });
    });

    describe('payload limit', () => {
      const headers = new Map([['X-Trace-Id', 'abc-123']]);

      it('reports the limit it enforces', () => {
        expect(Number.isSafeInteger(bus.maxPayload) && bus.maxPayload > 0).toBe(true);
      });

      it('carries a message of exactly maxPayload, headers counted, and refuses one byte more', async () => {
        const got = collect(`${p}.big`);
        await bus.flush();
        // The header size is computed the way nats.js encodes headers: on NATS a miscount fails here.
        const fits = new Uint8Array(bus.maxPayload - encodedHeadersSize(headers));
        bus.publish(subj(`${p}.big`), fits, { headers });
        const over = new Uint8Array(fits.length + 1);
        const err = catching(() => bus.publish(subj(`${p}.big`), over, { headers }));
        expect(err).toBeInstanceOf(PayloadTooLargeError);
        expect(err).toMatchObject({ size: bus.maxPayload + 1, maxPayload: bus.maxPayload });
        bus.publish(subj(`${p}.big`), 'sentinel');
        await until(() => got.texts.length === 2, 'the fitting message and the sentinel');
        expect(got.msgs[0]?.data.length).toBe(fits.length);
        expect(got.texts[1]).toBe('sentinel');
      });

      it('refuses an oversized request, and lets a responder whose reply is too big say so', async () => {
        bus.subscribe(pattern(`${p}.svc`), (m) => {
          try {
            m.respond(new Uint8Array(bus.maxPayload + 1));
          } catch (err) {
            m.respond(err instanceof PayloadTooLargeError ? '413' : 'other error');
          }
        });
        await bus.flush();
        const refused = await bus
          .request(subj(`${p}.svc`), new Uint8Array(bus.maxPayload + 1), { timeoutMs: 5_000 })
          .catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(PayloadTooLargeError);
        const reply = await bus.request(subj(`${p}.svc`), 'small', { timeoutMs: 5_000 });
        expect(reply.text()).toBe('413');
      });

      it('refuses an oversized append, counting msgId and fence headers, and stores nothing', async () => {
        const log = await bus.log(contractLogName(), { subjects: [pattern(`${p}.big.>`)] });
        const options = { msgId: 'big-1', expectedLastSeq: 0, headers };
        const overhead = appendSize(new Uint8Array(0), options);
        const over = new Uint8Array(bus.maxPayload - overhead + 1);
        await expect(log.append(subj(`${p}.big.x`), over, options)).rejects.toBeInstanceOf(
          PayloadTooLargeError,
        );
        expect((await log.info()).lastSeq).toBe(0);
        const fits = new Uint8Array(bus.maxPayload - overhead);
        expect(await log.append(subj(`${p}.big.x`), fits, options)).toEqual({ seq: 1, duplicate: false });
        expect((await log.get(1))?.data.length).toBe(fits.length);
      });
    });

    describe('close', () => {
      it('drains subscriptions, reports closed, and refuses publishing afterwards', async () => {
        const statuses: BusStatus['type'][] = [];
        bus.onStatus((s) => statuses.push(s.type));
        const got = collect(`${p}.bye`);
        await bus.flush();
        bus.publish(subj(`${p}.bye`), 'last');
        await bus.close();
        expect(got.texts).toEqual(['last']);
        expect(statuses).toContain('closed');
        expect(() => bus.publish(subj(`${p}.bye`), 'x')).toThrow(BusClosedError);
      });
    });

    describe('event log', () => {
      let log: EventLog;
      let logName: string;

      beforeEach(async () => {
        logName = contractLogName();
        log = await bus.log(logName, { subjects: [pattern(`${p}.ev.>`)] });
      });

      /** Starts a reader that records entries, returning the record and the reader. */
      async function reading(options: { startSeq?: number; filter?: string } = {}) {
        const entries: LogEntry[] = [];
        const reader = await log.read(
          (e) => {
            entries.push(e);
          },
          {
            ...(options.startSeq === undefined ? {} : { startSeq: options.startSeq }),
            ...(options.filter === undefined ? {} : { filter: pattern(options.filter) }),
          },
        );
        return { entries, reader };
      }

      it('appends, reports info, and gets entries by sequence', async () => {
        expect(await log.info()).toEqual({ firstSeq: 1, lastSeq: 0, messages: 0 });
        const a = await log.append(subj(`${p}.ev.a`), 'one', { headers: new Map([['X-Kind', 'first']]) });
        const b = await log.append(subj(`${p}.ev.b`), 'two', { msgId: 'id-2' });
        expect(a).toEqual({ seq: 1, duplicate: false });
        expect(b).toEqual({ seq: 2, duplicate: false });
        expect(await log.info()).toEqual({ firstSeq: 1, lastSeq: 2, messages: 2 });
        const first = await log.get(1);
        expect(first?.subject).toBe(`${p}.ev.a`);
        expect(new TextDecoder().decode(first?.data)).toBe('one');
        expect(first?.headers?.get('X-Kind')).toBe('first');
        expect(first?.time).toBeGreaterThan(Date.UTC(2020, 0, 1));
        // The de-duplication id is the bus's business, not part of the entry.
        expect((await log.get(2))?.headers).toBeUndefined();
        expect(await log.get(3)).toBeUndefined();
        expect(await log.get(0)).toBeUndefined();
      });

      it('drops a second append with the same msgId and returns the first sequence', async () => {
        expect(await log.append(subj(`${p}.ev.a`), 'x', { msgId: 'k1' })).toEqual({
          seq: 1,
          duplicate: false,
        });
        expect(await log.append(subj(`${p}.ev.a`), 'y', { msgId: 'k1' })).toEqual({
          seq: 1,
          duplicate: true,
        });
        expect(await log.append(subj(`${p}.ev.a`), 'z', { msgId: 'k2' })).toEqual({
          seq: 2,
          duplicate: false,
        });
        expect((await log.info()).messages).toBe(2);
      });

      it('refuses a subject the log does not capture, and a filter outside its subjects', async () => {
        await expect(log.append(subj(`${p}.elsewhere`), 'x')).rejects.toBeInstanceOf(BusError);
        await expect(log.read(() => undefined, { filter: pattern(`${p}.elsewhere`) })).rejects.toBeInstanceOf(
          BusError,
        );
      });

      it('is shared by name, and opening a missing log without config fails', async () => {
        const again = await bus.log(logName);
        await log.append(subj(`${p}.ev.a`), 'x');
        expect((await again.info()).lastSeq).toBe(1);
        await expect(bus.log(contractLogName())).rejects.toBeInstanceOf(BusError);
      });

      it('reads from a start position through a filter, then live', async () => {
        for (const s of ['a.1', 'b.1', 'a.2', 'b.2']) await log.append(subj(`${p}.ev.${s}`), s);
        const filtered = await reading({ startSeq: 1, filter: `${p}.ev.a.*` });
        const fromThree = await reading({ startSeq: 3 });
        await until(() => filtered.entries.length === 2 && fromThree.entries.length === 2, 'replay');
        expect(filtered.entries.map((e) => e.seq)).toEqual([1, 3]);
        expect(fromThree.entries.map((e) => e.seq)).toEqual([3, 4]);
        await log.append(subj(`${p}.ev.b.3`), 'b.3');
        await log.append(subj(`${p}.ev.a.3`), 'a.3');
        await until(() => filtered.entries.length === 3 && fromThree.entries.length === 4, 'live entries');
        expect(filtered.entries.map((e) => e.seq)).toEqual([1, 3, 6]);
        expect(filtered.entries.map((e) => new TextDecoder().decode(e.data))).toEqual(['a.1', 'a.2', 'a.3']);
        expect(fromThree.entries.map((e) => e.seq)).toEqual([3, 4, 5, 6]);
        await filtered.reader.close();
        await fromThree.reader.close();
        expect(await filtered.reader.closed).toBeUndefined();
      });

      it('tails new entries only by default', async () => {
        await log.append(subj(`${p}.ev.old`), 'old');
        const tail = await reading();
        await log.append(subj(`${p}.ev.new`), 'new1');
        await log.append(subj(`${p}.ev.new`), 'new2');
        await until(() => tail.entries.length === 2, 'two new entries');
        expect(tail.entries.map((e) => e.seq)).toEqual([2, 3]);
        await tail.reader.close();
      });

      it('starts a reader positioned past the end at that position', async () => {
        await log.append(subj(`${p}.ev.a`), '1');
        const ahead = await reading({ startSeq: 4 });
        for (let i = 2; i <= 5; i++) await log.append(subj(`${p}.ev.a`), String(i));
        await until(() => ahead.entries.length === 2, 'entries 4 and 5');
        expect(ahead.entries.map((e) => e.seq)).toEqual([4, 5]);
        await ahead.reader.close();
      });

      it('ends a reader whose start was trimmed with LogExpiredError', async () => {
        const small = await bus.log(contractLogName(), {
          subjects: [pattern(`${p}.small.>`)],
          maxMessages: 3,
        });
        for (let i = 1; i <= 5; i++) await small.append(subj(`${p}.small.x`), String(i));
        expect(await small.info()).toEqual({ firstSeq: 3, lastSeq: 5, messages: 3 });
        expect(await small.get(1)).toBeUndefined();
        const handled: number[] = [];
        const expired = await small.read(
          (e) => {
            handled.push(e.seq);
          },
          { startSeq: 1 },
        );
        const reason = await expired.closed;
        expect(reason).toBeInstanceOf(LogExpiredError);
        expect(reason).toMatchObject({ wantedSeq: 1, firstSeq: 3 });
        expect(handled).toEqual([]);
        const fine = await small.read(
          (e) => {
            handled.push(e.seq);
          },
          { startSeq: 3 },
        );
        await until(() => handled.length === 3, 'retained entries');
        expect(handled).toEqual([3, 4, 5]);
        await fine.close();
      });

      it('purges every entry and keeps counting sequences', async () => {
        for (let i = 0; i < 3; i++) await log.append(subj(`${p}.ev.a`), String(i));
        await log.purge();
        expect(await log.info()).toEqual({ firstSeq: 4, lastSeq: 3, messages: 0 });
        expect(await log.get(1)).toBeUndefined();
        expect((await log.append(subj(`${p}.ev.a`), 'after')).seq).toBe(4);
      });

      it('stops delivering once closed, and resolves closed with undefined', async () => {
        const first = await reading();
        const second = await reading();
        await log.append(subj(`${p}.ev.a`), '1');
        await until(() => first.entries.length === 1, 'first entry');
        await first.reader.close();
        await log.append(subj(`${p}.ev.a`), '2');
        await until(() => second.entries.length === 2, 'second reader sees both');
        expect(first.entries.map((e) => e.seq)).toEqual([1]);
        expect(await first.reader.closed).toBeUndefined();
        await second.reader.close();
      });

      it('ends a reader with the error its handler throws', async () => {
        const boom = new Error('handler failed');
        const reader = await log.read(() => {
          throw boom;
        });
        await log.append(subj(`${p}.ev.a`), 'x');
        expect(await reader.closed).toBe(boom);
      });

      describe('fenced appends (expectedLastSeq)', () => {
        const at = (expectedLastSeq: number, msgId?: string) => ({
          expectedLastSeq,
          ...(msgId === undefined ? {} : { msgId }),
        });

        it('appends only where the log ends, and stores nothing otherwise', async () => {
          expect(await log.append(subj(`${p}.ev.a`), '1', at(0))).toEqual({ seq: 1, duplicate: false });
          const stale = await log.append(subj(`${p}.ev.a`), 'x', at(0)).catch((e: unknown) => e);
          expect(stale).toBeInstanceOf(LogSequenceMismatchError);
          expect(stale).toMatchObject({ log: logName, expectedLastSeq: 0 });
          await expect(log.append(subj(`${p}.ev.a`), 'x', at(2))).rejects.toBeInstanceOf(
            LogSequenceMismatchError,
          );
          expect(await log.info()).toEqual({ firstSeq: 1, lastSeq: 1, messages: 1 });
          expect(await log.append(subj(`${p}.ev.a`), '2', at(1))).toEqual({ seq: 2, duplicate: false });
          // A purge keeps the sequence counting, and so does the fence.
          await log.purge();
          await expect(log.append(subj(`${p}.ev.a`), 'x', at(0))).rejects.toBeInstanceOf(
            LogSequenceMismatchError,
          );
          expect(await log.append(subj(`${p}.ev.a`), '3', at(2))).toEqual({ seq: 3, duplicate: false });
        });

        it('answers a repeated msgId as a duplicate before checking the fence', async () => {
          expect(await log.append(subj(`${p}.ev.a`), '1', at(0, 'k1'))).toEqual({ seq: 1, duplicate: false });
          await log.append(subj(`${p}.ev.a`), '2');
          // nats-server 2.9 de-duplicates first: the stale expectation is never looked at.
          expect(await log.append(subj(`${p}.ev.a`), 'again', at(0, 'k1'))).toEqual({
            seq: 1,
            duplicate: true,
          });
          // A refused append leaves no trace, not even its msgId: a retry with it is stored.
          await expect(log.append(subj(`${p}.ev.a`), '3', at(0, 'k2'))).rejects.toBeInstanceOf(
            LogSequenceMismatchError,
          );
          expect(await log.append(subj(`${p}.ev.a`), '3', at(2, 'k2'))).toEqual({ seq: 3, duplicate: false });
          expect((await log.info()).messages).toBe(3);
        });

        it('stores pipelined fenced appends in call order, each expecting the previous one', async () => {
          await log.append(subj(`${p}.ev.a`), '1');
          const results = await Promise.all(
            Array.from({ length: 50 }, (_, i) => log.append(subj(`${p}.ev.a`), String(i + 2), at(i + 1))),
          );
          expect(results.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
          expect(new TextDecoder().decode((await log.get(51))?.data)).toBe('51');
        });

        it('fails every pipelined append that counted on a refused one', async () => {
          const outcomes = await Promise.allSettled(
            [0, 1, 7, 3, 2].map((expected, i) => log.append(subj(`${p}.ev.a`), String(i), at(expected))),
          );
          expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.seq : o.reason.name))).toEqual([
            1,
            2,
            'LogSequenceMismatchError',
            'LogSequenceMismatchError',
            3,
          ]);
        });

        it('refuses an expectedLastSeq that is not a sequence', async () => {
          await expect(log.append(subj(`${p}.ev.a`), 'x', at(-1))).rejects.toBeInstanceOf(BusError);
          await expect(log.append(subj(`${p}.ev.a`), 'x', at(1.5))).rejects.toBeInstanceOf(BusError);
          expect((await log.info()).lastSeq).toBe(0);
        });
      });
    });

    describeConsumeContract(() => ({ bus, prefix: p, until }));
  });
}

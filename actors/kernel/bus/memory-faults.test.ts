import { describe, expect, it } from 'vitest';
import type { AppendResult, LogEntry } from '../../../protocol/bus.js';
import { SimulatedClock } from '../../../protocol/clock.js';
import {
  BusClosedError,
  BusError,
  LogSequenceMismatchError,
  PayloadTooLargeError,
  RequestTimeoutError,
} from '../../../protocol/errors.js';
import { silentLogger } from '../log.js';
import { waitFor } from '../testing/wait-for.js';
import { pattern, subj } from './contract.js';
import { MemoryBus } from './memory.js';
import { DEFAULT_FAULT_TIMEOUT_MS } from './memory-faults.js';

/** A bus on a simulated clock with one log over `ev.>`, and a record of what a reader saw. */
async function setup() {
  const clock = new SimulatedClock();
  const bus = new MemoryBus({ clock, log: silentLogger('bus') });
  const log = await bus.log('EV', { subjects: [pattern('ev.>')] });
  const seen: LogEntry[] = [];
  await log.read(
    (e) => {
      seen.push(e);
    },
    { startSeq: 1 },
  );
  return { clock, bus, log, seen, texts: () => seen.map((e) => new TextDecoder().decode(e.data)) };
}

/** Tracks a promise's outcome without awaiting it, so a test can check it has not settled yet. */
function track<T>(promise: Promise<T>): {
  promise: Promise<T>;
  settled: () => boolean;
  value?: T;
  error?: unknown;
} {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false };
  const out = {
    promise,
    settled: () => state.done,
    get value() {
      return state.value;
    },
    get error() {
      return state.error;
    },
  };
  promise.then(
    (value) => {
      state.done = true;
      state.value = value;
    },
    (error: unknown) => {
      state.done = true;
      state.error = error;
    },
  );
  return out;
}

describe('MemoryBus log faults: fail', () => {
  it('fails the next append with a BusError and stores nothing; the one after goes through', async () => {
    const { bus, log } = await setup();
    const fault = bus.faults.logAppend({ kind: 'fail' });
    await expect(log.append(subj('ev.a'), 'x')).rejects.toBeInstanceOf(BusError);
    expect(fault).toMatchObject({ hits: 1, remaining: 0 });
    expect(await log.info()).toMatchObject({ lastSeq: 0, messages: 0 });
    expect(await log.append(subj('ev.a'), 'y')).toEqual({ seq: 1, duplicate: false });
  });

  it('fails with the given error, only on matching subjects and logs, `times` times', async () => {
    const { bus, log } = await setup();
    const other = await bus.log('OTHER', { subjects: [pattern('other.>')] });
    const boom = new BusError('disk full');
    bus.faults.logAppend({ kind: 'fail', error: boom, subject: 'ev.bad.*', log: 'EV', times: 2 });
    expect((await log.append(subj('ev.good'), '1')).seq).toBe(1);
    await expect(log.append(subj('ev.bad.x'), 'x')).rejects.toBe(boom);
    expect((await other.append(subj('other.bad'), '1')).seq).toBe(1);
    await expect(log.append(subj('ev.bad.y'), 'x')).rejects.toBe(boom);
    expect((await log.append(subj('ev.bad.z'), '2')).seq).toBe(2);
  });

  it('applies the oldest fault with uses left, and stops at cancel()', async () => {
    const { bus, log } = await setup();
    const first = bus.faults.logAppend({ kind: 'fail', error: new BusError('first'), times: Infinity });
    bus.faults.logAppend({ kind: 'fail', error: new BusError('second') });
    await expect(log.append(subj('ev.a'), 'x')).rejects.toThrow('first');
    await expect(log.append(subj('ev.a'), 'x')).rejects.toThrow('first');
    first.cancel();
    await expect(log.append(subj('ev.a'), 'x')).rejects.toThrow('second');
    expect((await log.append(subj('ev.a'), 'x')).seq).toBe(1);
    expect(first.hits).toBe(2);
  });

  it('validates before any fault: a wrong append fails as such and uses no fault', async () => {
    const { bus, log } = await setup();
    const fault = bus.faults.logAppend({ kind: 'fail' });
    await expect(log.append(subj('ev.a'), new Uint8Array(bus.maxPayload + 1))).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
    await expect(log.append(subj('elsewhere'), 'x')).rejects.not.toBeInstanceOf(PayloadTooLargeError);
    expect(fault.hits).toBe(0);
  });

  it('refuses a bad `times` or subject pattern', () => {
    const bus = new MemoryBus({ log: silentLogger('bus') });
    expect(() => bus.faults.logAppend({ kind: 'fail', times: 0 })).toThrow(BusError);
    expect(() => bus.faults.logAppend({ kind: 'fail', times: 1.5 })).toThrow(BusError);
    expect(() => bus.faults.logAppend({ kind: 'fail', subject: 'ev.>.x' })).toThrow(BusError);
  });
});

describe('MemoryBus log faults: timeout', () => {
  it('loses the request: times out on the clock, nothing stored', async () => {
    const { clock, bus, log } = await setup();
    bus.faults.logAppend({ kind: 'timeout', lose: 'request' });
    const append = track(log.append(subj('ev.a'), 'x'));
    await clock.advance(DEFAULT_FAULT_TIMEOUT_MS - 1);
    expect(append.settled()).toBe(false);
    await clock.advance(1);
    expect(append.error).toBeInstanceOf(RequestTimeoutError);
    expect(append.error).toMatchObject({ timeoutMs: DEFAULT_FAULT_TIMEOUT_MS });
    expect((await log.info()).lastSeq).toBe(0);
  });

  it('loses the ack: stored at once, the caller times out, and a retry with its msgId is a duplicate', async () => {
    const { clock, bus, log, seen } = await setup();
    const fault = bus.faults.logAppend({ kind: 'timeout', lose: 'ack', afterMs: 200 });
    const append = track(log.append(subj('ev.a'), 'x', { msgId: 'k' }));
    await waitFor(() => seen.length === 1, { description: 'the reader sees the stored entry' });
    expect(append.settled()).toBe(false);
    await clock.advance(200);
    expect(append.error).toBeInstanceOf(RequestTimeoutError);
    expect(fault.lost).toEqual([{ seq: 1, duplicate: false }]);
    expect(await log.append(subj('ev.a'), 'x', { msgId: 'k' })).toEqual({ seq: 1, duplicate: true });
  });

  it('loses the refusal of a stale fenced append too, and records it', async () => {
    const { clock, bus, log } = await setup();
    await log.append(subj('ev.a'), '1');
    const fault = bus.faults.logAppend({ kind: 'timeout', lose: 'ack', afterMs: 10 });
    const append = track(log.append(subj('ev.a'), 'x', { expectedLastSeq: 0 }));
    await clock.advance(10);
    expect(append.error).toBeInstanceOf(RequestTimeoutError);
    expect(fault.lost[0]).toBeInstanceOf(LogSequenceMismatchError);
    expect((await log.info()).lastSeq).toBe(1);
  });
});

describe('MemoryBus log faults: hold (out of order)', () => {
  it('holds the storage: a later append is stored first, the held one at release', async () => {
    const { bus, log, texts } = await setup();
    const fault = bus.faults.logAppend({ kind: 'hold', hold: 'storage' });
    const a = track(log.append(subj('ev.a'), 'A'));
    expect(fault.held).toBe(1);
    expect(await log.append(subj('ev.b'), 'B')).toEqual({ seq: 1, duplicate: false });
    expect(a.settled()).toBe(false);
    await fault.release();
    expect(fault.held).toBe(0);
    expect(await a.promise).toEqual({ seq: 2, duplicate: false });
    await waitFor(() => texts().length === 2, { description: 'both entries read' });
    expect(texts()).toEqual(['B', 'A']);
  });

  it('lets the fence catch a held append that another writer overtook', async () => {
    const { bus, log } = await setup();
    const fault = bus.faults.logAppend({ kind: 'hold', hold: 'storage' });
    const a = track(log.append(subj('ev.a'), 'A', { expectedLastSeq: 0 }));
    await log.append(subj('ev.b'), 'B', { expectedLastSeq: 0 });
    await fault.release();
    await expect(a.promise).rejects.toBeInstanceOf(LogSequenceMismatchError);
    expect(await log.info()).toMatchObject({ lastSeq: 1, messages: 1 });
  });

  it('releases several held appends in the order they were held', async () => {
    const { bus, log, texts } = await setup();
    const fault = bus.faults.logAppend({ kind: 'hold', hold: 'storage', subject: 'ev.slow', times: 3 });
    const held = ['1', '2', '3'].map((t) => log.append(subj('ev.slow'), t));
    await log.append(subj('ev.fast'), 'fast');
    await fault.release();
    expect((await Promise.all(held)).map((r: AppendResult) => r.seq)).toEqual([2, 3, 4]);
    await waitFor(() => texts().length === 4, { description: 'all entries read' });
    expect(texts()).toEqual(['fast', '1', '2', '3']);
  });

  it('holds the ack: stored at once, answered after later appends', async () => {
    const { bus, log, seen } = await setup();
    const fault = bus.faults.logAppend({ kind: 'hold', hold: 'ack' });
    const answers: string[] = [];
    const a = log.append(subj('ev.a'), 'A').then((r) => answers.push(`A@${r.seq}`));
    await log.append(subj('ev.b'), 'B').then((r) => answers.push(`B@${r.seq}`));
    await waitFor(() => seen.length === 2, { description: 'both entries read' });
    expect(answers).toEqual(['B@2']);
    await fault.release();
    await a;
    expect(answers).toEqual(['B@2', 'A@1']);
  });

  it('releases by itself after releaseAfterMs on the clock', async () => {
    const { clock, bus, log } = await setup();
    bus.faults.logAppend({ kind: 'hold', hold: 'storage', releaseAfterMs: 1_000 });
    const a = track(log.append(subj('ev.a'), 'A'));
    await log.append(subj('ev.b'), 'B');
    await clock.advance(999);
    expect(a.settled()).toBe(false);
    await clock.advance(1);
    expect(await a.promise).toEqual({ seq: 2, duplicate: false });
  });
});

describe('MemoryBus log faults and close', () => {
  it('fails held and waiting appends with BusClosedError when the bus closes', async () => {
    const { bus, log } = await setup();
    bus.faults.logAppend({ kind: 'hold', hold: 'storage' });
    bus.faults.logAppend({ kind: 'timeout', lose: 'request' });
    const held = track(log.append(subj('ev.a'), 'A'));
    const waiting = track(log.append(subj('ev.a'), 'B'));
    await bus.close();
    await waitFor(() => held.settled() && waiting.settled(), { description: 'both settled' });
    expect(held.error).toBeInstanceOf(BusClosedError);
    expect(waiting.error).toBeInstanceOf(BusClosedError);
  });

  it('clear() stops every fault, and an append held before still fails on close', async () => {
    const { bus, log } = await setup();
    bus.faults.logAppend({ kind: 'hold', hold: 'storage', times: Infinity });
    const held = track(log.append(subj('ev.a'), 'A'));
    bus.faults.clear();
    for (let i = 0; i < 3; i++) bus.faults.logAppend({ kind: 'fail', subject: 'ev.never' });
    expect(await log.append(subj('ev.b'), 'B')).toEqual({ seq: 1, duplicate: false });
    await bus.close();
    await expect(held.promise).rejects.toBeInstanceOf(BusClosedError);
  });

  it('keeps each bus to its own faults', async () => {
    const { bus } = await setup();
    const other = new MemoryBus({ log: silentLogger('bus') });
    const otherLog = await other.log('EV', { subjects: [pattern('ev.>')] });
    bus.faults.logAppend({ kind: 'fail', times: Infinity });
    expect((await otherLog.append(subj('ev.a'), 'x')).seq).toBe(1);
  });
});

import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, afterEach, expect, it } from 'vitest';
import { contractLogPrefix, describeBusContract, pattern, subj } from '../actors/kernel/bus/contract.js';
import { NatsBus } from '../actors/kernel/bus/nats.js';
import { silentLogger } from '../actors/kernel/log.js';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import type { BusStatus, LogEntry } from '../protocol/bus.js';
import { LogExpiredError } from '../protocol/errors.js';
import { FaultProxy } from './fault-proxy.js';
import {
  describeWithServices,
  type ServerHandle,
  type SharedServices,
  servicesOrSkip,
  sharedServices,
  startNats,
} from './harness.js';

const sharedSkip = await servicesOrSkip({ nats: 'shared' });
const faultSkip = await servicesOrSkip({ nats: 'faults' });

/** Connects a bus with settings fit for tests: quiet, and quick to retry a lost connection. */
function connectBus(
  server: { url: string; user?: string; pass?: string } | string,
  name: string,
): Promise<NatsBus> {
  const target = typeof server === 'string' ? { url: server } : server;
  return NatsBus.connect({
    servers: target.url,
    name,
    log: silentLogger('bus'),
    reconnectTimeWaitMs: 100,
    ...(target.user === undefined ? {} : { user: target.user }),
    ...(target.pass === undefined ? {} : { pass: target.pass }),
  });
}

describeWithServices('NatsBus', sharedSkip, () => {
  let shared: SharedServices | undefined;

  afterAll(async () => {
    const nats = shared?.nats;
    if (nats) {
      // Delete exactly the streams this run created, so a shared server does not fill up.
      const nc = await connect({
        servers: nats.url,
        ...(nats.user === undefined ? {} : { user: nats.user, pass: nats.pass }),
      });
      const jsm = await jetstreamManager(nc);
      for await (const name of jsm.streams.names()) {
        if (name.startsWith(contractLogPrefix)) await jsm.streams.delete(name);
      }
      await nc.close();
    }
    await shared?.dispose();
  });

  it('reports the max_payload the server announces as maxPayload', async () => {
    shared ??= await sharedServices({ nats: true });
    const nats = shared.nats as ServerHandle;
    const bus = await connectBus(nats, 'limits');
    const nc = await connect({
      servers: nats.url,
      ...(nats.user === undefined ? {} : { user: nats.user, pass: nats.pass }),
    });
    try {
      expect(nc.info?.max_payload).toBeGreaterThan(0);
      expect(bus.maxPayload).toBe(nc.info?.max_payload);
    } finally {
      await nc.close();
      await bus.close();
    }
  });

  describeBusContract('nats', async () => {
    shared ??= await sharedServices({ nats: true });
    const nats = shared.nats as ServerHandle;
    return { bus: await connectBus(nats, 'contract'), cleanup: async () => undefined };
  });
});

describeWithServices('NatsBus faults', faultSkip, () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  /** A private server, a writer connected directly, and a reader connected through a fault proxy. */
  async function rig() {
    const server = await startNats({ faults: true });
    closers.push(() => server.dispose());
    const proxy = await FaultProxy.start(server.port);
    closers.push(() => proxy.close());
    const writer = await connectBus(server, 'writer');
    closers.push(() => writer.close());
    const reader = await connectBus(`nats://${proxy.address}`, 'reader');
    closers.push(() => reader.close());
    const statuses: BusStatus['type'][] = [];
    reader.onStatus((s) => statuses.push(s.type));
    return { server, proxy, writer, reader, statuses };
  }

  it('keeps a subscriber receiving after the server restarts', async () => {
    const server = await startNats({ faults: true });
    closers.push(() => server.dispose());
    const bus = await connectBus(server, 'restart');
    closers.push(() => bus.close());
    const statuses: BusStatus['type'][] = [];
    bus.onStatus((s) => statuses.push(s.type));
    const got: string[] = [];
    bus.subscribe(pattern('restart.x'), (m) => {
      got.push(m.text());
    });
    await bus.flush();
    bus.publish(subj('restart.x'), 'before');
    await waitFor(() => got.length === 1, { timeoutMs: 10_000 });

    await server.kill();
    await waitFor(() => statuses.includes('disconnected'), { timeoutMs: 10_000 });
    await server.restart();
    await waitFor(() => statuses.includes('reconnected'), { timeoutMs: 30_000, description: 'reconnect' });

    bus.publish(subj('restart.x'), 'after');
    await waitFor(() => got.includes('after'), { timeoutMs: 10_000 });
    expect(got).toEqual(['before', 'after']);
  });

  it('resumes a log reader after the server restarts, without gaps', async () => {
    const server = await startNats({ faults: true });
    closers.push(() => server.dispose());
    const bus = await connectBus(server, 'restart-reader');
    closers.push(() => bus.close());
    const statuses: BusStatus['type'][] = [];
    bus.onStatus((s) => statuses.push(s.type));
    const log = await bus.log('RESTARTED', { subjects: [pattern('rr.>')] });
    const seen: number[] = [];
    const reader = await log.read(
      (e) => {
        seen.push(e.seq);
      },
      { startSeq: 1 },
    );
    for (let i = 1; i <= 20; i++) await log.append(subj('rr.x'), String(i));
    await waitFor(() => seen.length === 20, { timeoutMs: 10_000 });

    // The stream is on disk and survives; the reader's ephemeral consumer does not.
    await server.kill();
    await server.restart();
    await waitFor(() => statuses.includes('reconnected'), { timeoutMs: 30_000, description: 'reconnect' });
    for (let i = 21; i <= 40; i++) await log.append(subj('rr.x'), String(i));
    await waitFor(() => seen.length === 40, { timeoutMs: 20_000, description: '40 entries' });
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    await reader.close();
    expect(await reader.closed).toBeUndefined();
  });

  it('keeps a durable consumer position across a server restart, and redelivers after a crash', async () => {
    const server = await startNats({ faults: true });
    closers.push(() => server.dispose());
    const bus = await connectBus(server, 'restart-consumer');
    closers.push(() => bus.close());
    let reconnects = 0;
    bus.onStatus((s) => {
      if (s.type === 'reconnected') reconnects++;
    });
    const log = await bus.log('CONSUMED', { subjects: [pattern('cons.>')] });
    const acked: number[] = [];
    const member = await log.consume('durable', async (e) => {
      acked.push(e.seq);
      return 'ack';
    });
    for (let i = 1; i <= 10; i++) await log.append(subj('cons.x'), String(i));
    await waitFor(() => acked.length === 10, { timeoutMs: 10_000 });

    // A graceful stop writes the consumer's state: it resumes exactly where it was.
    await server.restart();
    await waitFor(() => reconnects === 1, { timeoutMs: 30_000, description: 'reconnect' });
    for (let i = 11; i <= 20; i++) await log.append(subj('cons.x'), String(i));
    await waitFor(() => acked.length >= 20, { timeoutMs: 30_000, description: '20 entries' });
    expect(acked).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

    // nats-server 2.9 does not fsync acks: after a crash the position may move back, so entries
    // come again (at least once), and none is lost.
    await server.kill();
    await server.restart();
    await waitFor(() => reconnects === 2, { timeoutMs: 30_000, description: 'second reconnect' });
    for (let i = 21; i <= 30; i++) await log.append(subj('cons.x'), String(i));
    await waitFor(() => acked.includes(30), { timeoutMs: 30_000, description: 'entry 30' });
    expect(new Set(acked)).toEqual(new Set(Array.from({ length: 30 }, (_, i) => i + 1)));
    await member.close();
    expect(await member.closed).toBeUndefined();
  });

  it('resumes a log reader after a network cut, without gaps or repeats', async () => {
    const { proxy, writer, reader, statuses } = await rig();
    const wlog = await writer.log('RESUME', { subjects: [pattern('res.>')] });
    const rlog = await reader.log('RESUME');
    const seen: LogEntry[] = [];
    let ended: Error | undefined;
    const r = await rlog.read(
      (e) => {
        seen.push(e);
      },
      { startSeq: 1, filter: pattern('res.a') },
    );
    void r.closed.then((reason) => {
      ended = reason;
    });
    // Appends keep flowing while the link is cut and held, so some deliveries die in flight.
    for (let i = 1; i <= 300; i++) {
      await wlog.append(subj(i % 3 === 0 ? 'res.b' : 'res.a'), String(i));
      if (i === 100) {
        proxy.pause();
        proxy.cutAll();
      }
      if (i === 200) proxy.resume();
    }
    await waitFor(() => statuses.includes('reconnected'), { timeoutMs: 30_000, description: 'reconnect' });
    const expected = Array.from({ length: 300 }, (_, i) => i + 1).filter((n) => n % 3 !== 0);
    await waitFor(() => seen.length >= expected.length, {
      timeoutMs: 20_000,
      description: 'all res.a entries',
    });
    expect(seen.map((e) => e.seq)).toEqual(expected);
    expect(ended).toBeUndefined();
    await r.close();
  });

  it('ends a reader that was disconnected past the retained history with LogExpiredError', async () => {
    const { proxy, writer, reader, statuses } = await rig();
    const wlog = await writer.log('EXPIRE', { subjects: [pattern('exp.>')], maxMessages: 5 });
    const rlog = await reader.log('EXPIRE');
    const seen: number[] = [];
    const r = await rlog.read(
      (e) => {
        seen.push(e.seq);
      },
      { startSeq: 1 },
    );
    let ended: Error | undefined;
    void r.closed.then((reason) => {
      ended = reason;
    });
    for (let i = 1; i <= 3; i++) await wlog.append(subj('exp.x'), String(i));
    await waitFor(() => seen.length === 3, { timeoutMs: 10_000 });

    proxy.pause();
    proxy.cutAll();
    await waitFor(() => statuses.includes('disconnected'), { timeoutMs: 10_000 });
    for (let i = 4; i <= 20; i++) await wlog.append(subj('exp.x'), String(i));
    expect(await wlog.info()).toEqual({ firstSeq: 16, lastSeq: 20, messages: 5 });
    proxy.resume();

    // Without the gap checks the server would silently resume at 16 and this would never end.
    const reason = await waitFor(() => ended ?? false, { timeoutMs: 20_000, description: 'reader ended' });
    expect(reason).toBeInstanceOf(LogExpiredError);
    expect(reason).toMatchObject({ wantedSeq: 4, firstSeq: 16 });
    expect(seen).toEqual([1, 2, 3]);
  });
});

/**
 * The relay lease under pauses: three API server processes share NATS and Redis; a writer creates
 * and updates ConfigMaps without pause; again and again, the replica holding the relay lease is
 * frozen with SIGSTOP for longer than the lease, another replica takes the lease and relays, and
 * the frozen one is resumed, waking up with whatever it had in hand (an outbox batch, appends in
 * flight, a lease it believes it still holds). Its appends must be refused by the log's fence and
 * its acknowledgements by the store: at the end the event log holds every committed revision once,
 * in increasing order, whatever the pauses interrupted.
 *
 *   writer ──▶ any replica ──▶ Redis (objects + outbox) ──▶ lease holder's relay ──▶ JetStream log
 *                                                           ▲ SIGSTOP past the lease, then SIGCONT
 *
 * The pause itself is the one deliberate wait; everything else awaits a condition with a bound.
 * SKIFF_TEST_FENCING_MS shortens the run (default 3 minutes).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NatsBus } from '../actors/kernel/bus/nats.js';
import { silentLogger } from '../actors/kernel/log.js';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import type { EventLog, LogEntry, LogReader } from '../protocol/bus.js';
import { ApiClient } from '../protocol/client/api-client.js';
import { NatsTransport } from '../protocol/client/nats.js';
import { Subjects } from '../protocol/subjects.js';
import { entryRevision } from '../protocol/watch/position.js';
import { removeKeys, removeStreams, uniquePrefix } from './cluster.js';
import { describeWithServices, type SharedServices, servicesOrSkip, sharedServices } from './harness.js';
import { cliBuilt, type SkiffProcess, startSkiff } from './skiff-process.js';

const DURATION_MS = Number(process.env.SKIFF_TEST_FENCING_MS ?? 180_000);
const REPLICAS = 3;
const LEASE_MS = 1_500;
/**
 * Longer than the lease by far: it lapses (at most LEASE_MS after the last renewal), a follower
 * notices (it retries every second), syncs with the log and relays, all while the leader is frozen.
 */
const PAUSE_MS = 2 * LEASE_MS + 1_000;
/** A takeover slower than this is a failure, not a slow machine (expected: about 1.5 to 2.5 s). */
const TAKEOVER_LIMIT_MS = 15_000;
/** Writer loops: while some wait out requests sent to the frozen replica, the others go on. */
const WRITERS = 8;
/** Updates after each create, so the log holds MODIFIED events as well as ADDED ones. */
const UPDATES_PER_OBJECT = 2;
/** A request that went to the frozen replica only ends by timing out: keep that short. */
const REQUEST_TIMEOUT_MS = 1_000;
/** One round takes PAUSE_MS plus the search for the leader: at least one round per 15 s must run. */
const MIN_ROUNDS = Math.max(3, Math.floor(DURATION_MS / 15_000));
/**
 * Writes go on through the pauses (the takeover check needs them), slowed by the requests that the
 * frozen replica holds until they time out: a third of them, a replica being frozen most of the time.
 */
const MIN_ACKNOWLEDGED = Math.max(200, Math.floor(DURATION_MS / 200));
/**
 * JetStream drops an append whose message id it saw within the de-duplication window (the API
 * server sets 2 minutes) before it looks at the expected last sequence, so a relay resumed a few
 * seconds after a pause is stopped by de-duplication, not by the fence. Shrunk to this, every
 * stale append reaches the fence, as it would for a relay paused past the window.
 */
const DUPLICATE_WINDOW_MS = 100;

const skip =
  (await servicesOrSkip({ nats: 'shared', redis: 'shared' })) ??
  (cliBuilt() ? undefined : 'the CLI is not built (npm run build)');

/** One API server process and the replica id it uses as relay lease owner. */
interface Replica {
  readonly id: string;
  readonly process: SkiffProcess;
}

/** What one pause did. */
interface Round {
  readonly paused: Replica;
  readonly successor: Replica;
  /** From SIGSTOP until another replica held the lease. */
  readonly leaseTakenMs: number;
  /** From SIGSTOP until the log grew again, appended by the successor. */
  readonly relayingMs: number;
  readonly pausedMs: number;
  /** What the resumed relay logged once it ran again (lease lost, fenced appends, restarts). */
  readonly afterResume: readonly string[];
}

describeWithServices('relay fencing under paused leaders (API server processes, NATS + Redis)', skip, () => {
  let services: SharedServices;
  const prefix = uniquePrefix('fence');
  const subjects = new Subjects(prefix);
  const leaseKey = `{${prefix}}:relay`;
  const revisionKey = `{${prefix}}:rev`;
  const ackKey = `{${prefix}}:outbox:ack`;
  let bus: NatsBus;
  let redis: Redis;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    services = await sharedServices();
    bus = await NatsBus.connect({
      servers: services.nats?.url ?? '',
      name: 'fencing-test',
      log: silentLogger(),
    });
    redis = new Redis(services.redis?.url ?? '', { protocol: 2 });
  });
  afterAll(async () => {
    // stop() continues a frozen process first, so a failed round cannot leave one behind.
    await Promise.all(replicas.map((r) => r.process.stop()));
    await bus.close();
    redis.disconnect();
    await removeStreams(services.nats?.url ?? '', subjects);
    await removeKeys(services.redis?.url ?? '', prefix);
    await services.dispose();
  });

  const apiserver = () =>
    startSkiff(
      [
        'run',
        'apiserver',
        '--prefix',
        prefix,
        '--listen',
        '127.0.0.1:0',
        // info: the relay's lease changes, syncs and failures, and the replica id on every line.
        '--log-level',
        'info',
        '--relay-lease-ms',
        String(LEASE_MS),
      ],
      {
        env: { NATS_URL: services.nats?.url ?? '', REDIS_URL: services.redis?.url ?? '' },
        ready: /apiserver ready/,
      },
    );

  /** Starts a replica and learns its id (the relay lease owner) from its log lines. */
  const startReplica = async (): Promise<Replica> => {
    const child = await apiserver();
    const id = await waitFor(() => /"replica":"(apiserver-[0-9a-f]+)"/.exec(child.output())?.[1] ?? false, {
      timeoutMs: 10_000,
      description: `pid ${child.pid} logs its replica id`,
    });
    const replica = { id, process: child };
    replicas.push(replica);
    return replica;
  };

  const leaseHolder = async (): Promise<Replica | undefined> => {
    const owner = await redis.get(leaseKey);
    return replicas.find((r) => r.id === owner);
  };

  /** Freezes the lease holder past its lease, sees another replica take over and relay, resumes it. */
  const pauseLeader = async (log: EventLog): Promise<Round> => {
    // `false` means "not yet" to waitFor; `undefined` (no holder at this instant) would mean done.
    const paused = await waitFor(async () => (await leaseHolder()) ?? false, {
      timeoutMs: TAKEOVER_LIMIT_MS,
      description: 'a relay lease holder',
    });
    const pausedAt = performance.now();
    paused.process.pause();
    try {
      const successor = await waitFor(
        async () => {
          const holder = await leaseHolder();
          return holder !== undefined && holder !== paused ? holder : false;
        },
        {
          timeoutMs: TAKEOVER_LIMIT_MS,
          intervalMs: 20,
          description: `another replica takes the lease from ${paused.id}`,
        },
      );
      const leaseTakenMs = performance.now() - pausedAt;
      // The frozen relay's last appends landed long before its lease lapsed: what the log gains from
      // now on was appended by the successor.
      const seqAtTakeover = (await log.info()).lastSeq;
      await waitFor(async () => (await log.info()).lastSeq > seqAtTakeover, {
        timeoutMs: TAKEOVER_LIMIT_MS,
        intervalMs: 20,
        description: `${successor.id} appends to the event log`,
      });
      const relayingMs = performance.now() - pausedAt;
      // The one deliberate wait: the old leader stays frozen for the whole pause.
      const left = PAUSE_MS - (performance.now() - pausedAt);
      if (left > 0) await sleep(left);
      const pausedMs = performance.now() - pausedAt;
      const resumedAt = paused.process.output().length;
      paused.process.resume();
      // The resumed relay must find out that it is no longer the leader: its lease check fails, or
      // its fenced append or acknowledgement is refused (and the relay restarts as a follower).
      const afterResume = await waitFor(
        () => {
          const lines = relayLines(paused.process.output().slice(resumedAt));
          return lines.some(isStepDown) ? lines : false;
        },
        {
          timeoutMs: TAKEOVER_LIMIT_MS,
          description: `${paused.id}, resumed, notices it lost the relay lease`,
        },
      );
      return { paused, successor, leaseTakenMs, relayingMs, pausedMs, afterResume };
    } finally {
      paused.process.resume();
    }
  };

  it(`keeps every revision once and in order while the relay leader is paused for ${DURATION_MS / 1000} s`, {
    timeout: DURATION_MS + 240_000,
  }, async () => {
    // One after another: the first creates the event log and the default namespaces.
    for (let i = 0; i < REPLICAS; i++) await startReplica();
    await shrinkDuplicateWindow(services.nats?.url ?? '', subjects.eventsStream(), DUPLICATE_WINDOW_MS);
    const exited: string[] = [];
    for (const r of replicas)
      void r.process.exited.then(({ code, signal }) => exited.push(`${r.id}: ${code ?? signal}`));
    const log = await bus.log(subjects.eventsStream());
    const client = new ApiClient(new NatsTransport({ bus, subjects, timeoutMs: REQUEST_TIMEOUT_MS }));
    const writer = startWriter(client);

    const rounds: Round[] = [];
    const started = performance.now();
    try {
      while (performance.now() - started < DURATION_MS) {
        rounds.push(await pauseLeader(log));
        expect(exited, 'no API server process exited').toEqual([]);
      }
    } catch (err) {
      process.stdout.write(`after ${rounds.length} rounds, the relays logged:\n${relayHistory(replicas)}\n`);
      throw err;
    } finally {
      await writer.stop();
    }

    // Every replica runs; the outbox drains: the store's revision, the acknowledged cursor and the
    // log's last entry all agree.
    expect(exited, 'no API server process exited').toEqual([]);
    const drainStarted = performance.now();
    const storeRevision = await waitFor(
      async () => {
        const revision = Number(await redis.get(revisionKey));
        const acked = Number(await redis.hget(ackKey, 'rev'));
        const info = await log.info();
        const last = entryRevision((await log.get(info.lastSeq))?.headers);
        return acked === revision && last === revision ? revision : false;
      },
      { timeoutMs: 30_000, intervalMs: 50, description: 'the outbox drains into the event log' },
    );
    const drainMs = performance.now() - drainStarted;
    const entries = await readWholeLog(log);

    report({ rounds, writer, entries: entries.length, storeRevision, drainMs, replicas });

    expect(rounds.length, `${rounds.length} pause rounds in ${DURATION_MS} ms`).toBeGreaterThanOrEqual(
      MIN_ROUNDS,
    );
    expect(writer.acknowledged.length, 'acknowledged writes').toBeGreaterThanOrEqual(MIN_ACKNOWLEDGED);
    expect(findLogFaults(entries, storeRevision, writer.acknowledged), relayHistory(replicas)).toEqual({
      gapsInSequence: [],
      duplicates: [],
      outOfOrder: [],
      missing: [],
      unknown: [],
      acknowledgedMissing: [],
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Writer

interface Writer {
  /** Revisions of the writes the API acknowledged. */
  readonly acknowledged: number[];
  /** Failed writes by error (timeouts: requests the frozen replica held). */
  readonly failures: Map<string, number>;
  attempted(): number;
  /** Stops the loops after their current request. */
  stop(): Promise<void>;
}

/** Creates ConfigMaps and updates each a few times, from WRITERS loops at once, until stopped. */
function startWriter(client: ApiClient): Writer {
  const acknowledged: number[] = [];
  const failures = new Map<string, number>();
  let attempted = 0;
  let stopping = false;
  const configMap = (name: string, version: number) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default' },
    data: { version: String(version) },
  });
  const write = async (request: () => Promise<{ metadata: { resourceVersion?: string } }>) => {
    attempted++;
    try {
      acknowledged.push(Number((await request()).metadata.resourceVersion));
      return true;
    } catch (err) {
      // Not acknowledged: it may still commit later (a frozen replica answers once resumed), which
      // the final check covers by comparing the log with the store's revision, not with this list.
      const why = (err as Error).message.replace(/[0-9a-f]{8,}|\d+/g, '#').slice(0, 80);
      failures.set(why, (failures.get(why) ?? 0) + 1);
      return false;
    }
  };
  const loop = async (w: number) => {
    for (let n = 0; !stopping; n++) {
      const name = `w${w}-${n}`;
      if (!(await write(() => client.create('configmaps', configMap(name, 0))))) continue;
      // Unconditional updates: one the frozen replica holds may commit later without a conflict.
      for (let v = 1; v <= UPDATES_PER_OBJECT && !stopping; v++) {
        await write(() => client.update('configmaps', configMap(name, v)));
      }
    }
  };
  const loops = Array.from({ length: WRITERS }, (_, w) => loop(w));
  return {
    acknowledged,
    failures,
    attempted: () => attempted,
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The event log and what is wrong with it

/** Sets the log stream's de-duplication window (the replicas have created the stream already). */
async function shrinkDuplicateWindow(natsUrl: string, stream: string, ms: number): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const { config } = await jsm.streams.info(stream);
    const updated = await jsm.streams.update(stream, { ...config, duplicate_window: ms * 1_000_000 });
    expect(updated.config.duplicate_window, 'the shrunk de-duplication window').toBe(ms * 1_000_000);
  } finally {
    await nc.close();
  }
}

interface Logged {
  readonly seq: number;
  readonly revision: number;
  readonly subject: string;
}

/** Reads every entry of the log, first to last. */
async function readWholeLog(log: EventLog): Promise<Logged[]> {
  const { firstSeq, lastSeq, messages } = await log.info();
  const seen: Logged[] = [];
  if (messages === 0) return seen;
  let reader: LogReader | undefined;
  try {
    reader = await log.read(
      (entry: LogEntry) => {
        seen.push({ seq: entry.seq, revision: entryRevision(entry.headers) ?? -1, subject: entry.subject });
      },
      { startSeq: firstSeq },
    );
    await waitFor(() => (seen.at(-1)?.seq ?? 0) >= lastSeq, {
      timeoutMs: 60_000,
      intervalMs: 50,
      description: `the whole event log read (sequences ${firstSeq}..${lastSeq})`,
    });
  } finally {
    await reader?.close();
  }
  return seen.filter((e) => e.seq <= lastSeq);
}

/** At most this many examples per kind of fault, so a failure message stays readable. */
const EXAMPLES = 20;

/**
 * Everything wrong with the log, given the store's revision: each committed write bumps the
 * revision by one and adds one outbox entry in the same atomic step, so the log must hold exactly
 * revisions 1..storeRevision, one per sequence, in increasing order.
 */
function findLogFaults(entries: readonly Logged[], storeRevision: number, acknowledged: readonly number[]) {
  const count = new Map<number, number>();
  for (const e of entries) count.set(e.revision, (count.get(e.revision) ?? 0) + 1);
  const gapsInSequence: string[] = [];
  const outOfOrder: string[] = [];
  for (const [i, e] of entries.entries()) {
    const before = entries[i - 1];
    if (!before) continue;
    if (e.seq !== before.seq + 1) gapsInSequence.push(`seq ${before.seq} then ${e.seq}`);
    if (e.revision <= before.revision) {
      outOfOrder.push(`seq ${e.seq}: revision ${e.revision} after ${before.revision}`);
    }
  }
  const missing: number[] = [];
  for (let r = 1; r <= storeRevision; r++) if (!count.has(r)) missing.push(r);
  return {
    gapsInSequence: gapsInSequence.slice(0, EXAMPLES),
    duplicates: [...count]
      .filter(([, n]) => n > 1)
      .map(([revision, n]) => `revision ${revision} ×${n}`)
      .slice(0, EXAMPLES),
    outOfOrder: outOfOrder.slice(0, EXAMPLES),
    missing: missing.slice(0, EXAMPLES),
    unknown: [...count.keys()]
      .filter((r) => r < 1 || r > storeRevision)
      .map((r) => `revision ${r}`)
      .slice(0, EXAMPLES),
    acknowledgedMissing: acknowledged.filter((r) => !count.has(r)).slice(0, EXAMPLES),
  };
}

// ---------------------------------------------------------------------------------------------
// The relay's log lines

interface LogLine {
  readonly time?: string;
  readonly replica?: string;
  readonly actor?: string;
  readonly msg?: string;
  readonly err?: { readonly type?: string; readonly message?: string };
}

/** The relay's lines in a process's output (JSON lines on stderr), one readable string each. */
function relayLines(output: string): string[] {
  const lines: string[] = [];
  for (const text of output.split('\n')) {
    if (!text.startsWith('{')) continue;
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch (err) {
      // A line cut in two by the pipe: the rest arrives with the next chunk.
      void err;
      continue;
    }
    if (line.actor !== 'relay') continue;
    const error = line.err ? ` (${line.err.type ?? 'Error'}: ${line.err.message ?? ''})` : '';
    lines.push(`${line.time ?? ''} ${line.replica ?? ''} ${line.msg ?? ''}${error}`);
  }
  return lines;
}

/** A relay line saying that this replica no longer relays: lease lost, or a fenced call refused. */
function isStepDown(line: string): boolean {
  return /leadership lost|lease lost|actor failed/.test(line);
}

/** Every replica's relay lines, for a failure message. */
function relayHistory(replicas: readonly Replica[]): string {
  return replicas.map((r) => relayLines(r.process.output()).join('\n')).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Report

/** Prints what the test did and how long each takeover took. */
function report(run: {
  rounds: readonly Round[];
  writer: Writer;
  entries: number;
  storeRevision: number;
  drainMs: number;
  replicas: readonly Replica[];
}): void {
  const { rounds, writer } = run;
  const ms = (n: number) => `${(n / 1000).toFixed(2)} s`;
  const takeovers = rounds.map((r) => r.leaseTakenMs).sort((a, b) => a - b);
  const lines = [
    `relay fencing: ${rounds.length} pause rounds over ${ms(DURATION_MS)} with ${REPLICAS} replicas, lease ${LEASE_MS} ms, pause ${PAUSE_MS} ms, de-duplication window ${DUPLICATE_WINDOW_MS} ms`,
    `writes: ${writer.acknowledged.length} acknowledged of ${writer.attempted()}; not acknowledged: ${
      [...writer.failures].map(([why, n]) => `${n} × ${why}`).join('; ') || 'none'
    }`,
    `event log: ${run.entries} entries, store revision ${run.storeRevision}; outbox drained in ${ms(run.drainMs)}`,
    `takeovers (lease taken after SIGSTOP): min ${ms(takeovers[0] ?? 0)}, median ${ms(
      takeovers[Math.floor(takeovers.length / 2)] ?? 0,
    )}, max ${ms(takeovers.at(-1) ?? 0)}`,
    ...rounds.map(
      (r, i) =>
        `  round ${i + 1}: ${r.paused.id} paused ${ms(r.pausedMs)}; ${r.successor.id} took the lease after ${ms(
          r.leaseTakenMs,
        )}, relayed after ${ms(r.relayingMs)}; resumed: ${summarize(r.afterResume)}`,
    ),
    ...run.replicas.map(
      (r) => `  ${r.id} (pid ${r.process.pid}): ${summarize(relayLines(r.process.output()))}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Counts relay lines by message: "relay leadership lost ×1, actor failed (LogSequenceMismatchError…) ×1". */
function summarize(lines: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const what = line
      .split(' ')
      .slice(2)
      .join(' ')
      .replace(/\b\d+\b/g, '#')
      .slice(0, 140);
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  return [...counts].map(([what, n]) => `${what} ×${n}`).join(', ') || 'nothing';
}

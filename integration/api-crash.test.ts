/**
 * Transactional outbox under crashes: an API server process is killed (SIGKILL, by a fault hook)
 * between the Redis commit and the event-log publish, and between the publish and the outbox
 * acknowledgement, 100 times. Every committed change must reach watchers exactly once, and no
 * change that was never committed may reach them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NatsBus } from '../actors/kernel/bus/nats.js';
import { silentLogger } from '../actors/kernel/log.js';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import type { LogEntry } from '../protocol/bus.js';
import { ApiClient } from '../protocol/client/api-client.js';
import { NatsTransport } from '../protocol/client/nats.js';
import { Subjects } from '../protocol/subjects.js';
import { entryRevision } from '../protocol/watch/position.js';
import { removeKeys, removeStreams, uniquePrefix } from './cluster.js';
import { describeWithServices, type SharedServices, servicesOrSkip, sharedServices } from './harness.js';
import { cliBuilt, startSkiff } from './skiff-process.js';

const CRASHES = Number(process.env.SKIFF_TEST_CRASHES ?? 100);
/**
 * "No acknowledged write was lost" says nothing when nothing was acknowledged (every request
 * timing out would pass it). A server life usually acknowledges two or three writes before the
 * relay's second publish kills it (28 over 10 crashes here); it can acknowledge none when its
 * publishes go to the previous life's leftovers or the default namespaces, so the floor is one
 * per two crashes.
 */
const MIN_ACKNOWLEDGED = Math.ceil(CRASHES / 2);
const skip =
  (await servicesOrSkip({ nats: 'shared', redis: 'shared' })) ??
  (cliBuilt() ? undefined : 'the CLI is not built (npm run build)');

describeWithServices('outbox under crashes (API server processes, NATS + Redis)', skip, () => {
  let services: SharedServices;
  const prefix = uniquePrefix('crash');
  const subjects = new Subjects(prefix);
  let bus: NatsBus;

  beforeAll(async () => {
    services = await sharedServices();
    bus = await NatsBus.connect({
      servers: services.nats?.url ?? '',
      name: 'crash-test',
      log: silentLogger(),
    });
  });
  afterAll(async () => {
    await bus.close();
    await removeStreams(services.nats?.url ?? '', subjects);
    await removeKeys(services.redis?.url ?? '', prefix);
    await services.dispose();
  });

  const apiserver = (faults?: string) =>
    startSkiff(
      [
        'run',
        'apiserver',
        '--prefix',
        prefix,
        '--listen',
        '127.0.0.1:0',
        '--log-level',
        'warn',
        '--event-log-max-messages',
        '100000',
        // A crashed relay's lease must lapse before the next process relays: keep that short here.
        '--relay-lease-ms',
        '1000',
      ],
      {
        env: {
          NATS_URL: services.nats?.url ?? '',
          REDIS_URL: services.redis?.url ?? '',
          ...(faults ? { SKIFF_FAULTS: faults } : {}),
        },
        ready: /apiserver ready/,
      },
    );

  it(`loses nothing and duplicates nothing across ${CRASHES} crashes around the publish`, {
    timeout: 600_000,
  }, async () => {
    // A request in the hands of a process that gets killed only ends by timing out: keep it short.
    const client = new ApiClient(new NatsTransport({ bus, subjects, timeoutMs: 500 }));
    const attempted: string[] = [];
    const acknowledged: string[] = [];
    let crashes = 0;
    let n = 0;
    while (crashes < CRASHES) {
      // Alternate the two dangerous moments: before the publish, and after it but before the ack.
      const point = crashes % 2 === 0 ? 'relay.before-publish' : 'relay.after-publish';
      const server = await apiserver(`${point}@2`);
      let gone = false;
      void server.exited.then(() => {
        gone = true;
      });
      while (!gone) {
        const name = `c-${n++}`;
        attempted.push(name);
        try {
          await client.create('configmaps', {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name, namespace: 'default' },
          });
          acknowledged.push(name);
        } catch (err) {
          // The server died with this request in hand: it may or may not have committed.
          void err;
        }
      }
      const { signal } = await server.exited;
      expect(signal, server.output()).toBe('SIGKILL');
      crashes++;
    }

    // A healthy server relays whatever the last crash left in the outbox.
    const healthy = await apiserver();
    try {
      const committed = (await client.listAll<{ metadata: { name: string } }>('configmaps')).items.map(
        (o) => o.metadata.name,
      );
      const entries = await readAll(bus, subjects, committed.length + 2);
      const added = entries.filter((e) => e.type === 'ADDED' && e.resource === 'configmaps');

      expect(
        acknowledged.length,
        `${acknowledged.length} of ${attempted.length} writes acknowledged across ${CRASHES} crashes`,
      ).toBeGreaterThanOrEqual(MIN_ACKNOWLEDGED);
      expect(acknowledged.filter((name) => !committed.includes(name))).toEqual([]); // no acknowledged write lost
      expect(added.map((e) => e.name).sort()).toEqual([...committed].sort()); // each committed change once
      const revisions = entries.map((e) => e.revision);
      expect(new Set(revisions).size).toBe(revisions.length); // no event published twice
      const uncommitted = attempted.filter((name) => !committed.includes(name));
      expect(added.filter((e) => uncommitted.includes(e.name))).toEqual([]); // nothing uncommitted reached watchers
    } finally {
      await healthy.stop();
    }
  });
});

interface Seen {
  readonly revision: number;
  readonly type: string;
  readonly resource: string;
  readonly name: string;
}

/** Reads the whole event log once it holds at least `atLeast` entries. */
async function readAll(bus: NatsBus, subjects: Subjects, atLeast: number): Promise<Seen[]> {
  const log = await bus.log(subjects.eventsStream());
  await waitFor(async () => expect((await log.info()).messages).toBeGreaterThanOrEqual(atLeast), {
    timeoutMs: 30_000,
  });
  const { lastSeq } = await log.info();
  const seen: Seen[] = [];
  const done = new Promise<void>((resolve) => {
    const onEntry = (entry: LogEntry) => {
      const event = JSON.parse(new TextDecoder().decode(entry.data)) as {
        type: string;
        object: { kind: string; metadata: { name: string } };
      };
      seen.push({
        revision: entryRevision(entry.headers) ?? -1,
        type: event.type,
        resource: subjects.parseEvent(entry.subject)?.resource ?? '',
        name: event.object.metadata.name,
      });
      if (entry.seq >= lastSeq) resolve();
    };
    void log.read(onEntry, { startSeq: 1 }).then((reader) => done.then(() => reader.close()));
  });
  await done;
  return seen;
}

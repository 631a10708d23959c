import { Command, Flags } from '@oclif/core';
import type { Registry } from 'prom-client';
import { defaultServiceRanges } from '../../../actors/apiserver/allocation.js';
import { faultsFromSpec } from '../../../actors/apiserver/faults.js';
import { ApiServer } from '../../../actors/apiserver/server.js';
import { createRegistry } from '../../../actors/kernel/metrics.js';
import { systemClock } from '../../../protocol/clock.js';
import { NonDurableStoreError } from '../../../protocol/errors.js';
import { Subjects } from '../../../protocol/subjects.js';
import {
  componentFlags,
  componentLogger,
  connectBus,
  openStore,
  parseListen,
  shutdownSignal,
} from '../../component.js';

/** `skiff run apiserver`: one API server replica in the foreground. */
export default class RunApiServer extends Command {
  static override description =
    'Run one API server replica: serves the API on the bus (queue group "apiserver") and over HTTP, with Redis or an embedded store';

  static override examples = [
    '<%= config.bin %> run apiserver --nats nats://127.0.0.1:4222 --redis redis://127.0.0.1:6379',
    '<%= config.bin %> run apiserver --data-dir ./skiff-data --listen 127.0.0.1:6443',
  ];

  static override flags = {
    ...componentFlags,
    redis: Flags.string({
      description: 'Redis URL (default: $REDIS_URL; none: the embedded store)',
      env: 'REDIS_URL',
    }),
    'data-dir': Flags.string({
      description: 'Directory of the embedded store (used without --redis)',
      default: '.skiff-data',
    }),
    listen: Flags.string({
      description: 'HTTP face address host:port (port 0: a free one)',
      default: '127.0.0.1:6443',
    }),
    'require-durable-store': Flags.boolean({
      description:
        'Refuse to start unless acknowledged writes survive a store crash (Redis: appendonly yes, appendfsync always)',
      default: false,
    }),
    workers: Flags.integer({ description: 'Requests served at once by this replica', default: 64 }),
    'event-log-max-messages': Flags.integer({
      description: 'Watch events kept for replay',
      default: 1_000_000,
    }),
    'service-cluster-ip-range': Flags.string({
      description: 'Where Services get their cluster IPs (a loopback CIDR: every node proxy listens there)',
      default: defaultServiceRanges.clusterIPRange,
    }),
    'service-node-port-range': Flags.string({
      description: 'Where NodePort Services get their ports (MIN-MAX)',
      default: `${defaultServiceRanges.nodePorts.min}-${defaultServiceRanges.nodePorts.max}`,
    }),
    'relay-lease-ms': Flags.integer({
      description:
        'How long the outbox relay lease lasts: after a crash, another replica relays once it lapses',
      default: 5_000,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(RunApiServer);
    const [min, max] = flags['service-node-port-range'].split('-').map(Number);
    if (!Number.isInteger(min) || !Number.isInteger(max) || (min as number) > (max as number)) {
      this.error(`--service-node-port-range must be MIN-MAX, got ${flags['service-node-port-range']}`, {
        exit: 2,
      });
    }
    const log = componentLogger('apiserver', flags['log-level']);
    const signalled = shutdownSignal(log);
    const bus = await connectBus(flags.nats, 'apiserver', log);
    const store = await openStore(flags.redis, flags['data-dir'], flags.prefix, log);
    const registry: Registry = createRegistry({ component: 'apiserver', processMetrics: true });
    let server: ApiServer;
    try {
      server = await ApiServer.start({
        bus,
        store,
        subjects: new Subjects(flags.prefix),
        clock: systemClock,
        log,
        registry,
        faults: faultsFromSpec(process.env.SKIFF_FAULTS),
        workers: flags.workers,
        requireDurableStore: flags['require-durable-store'],
        eventLogMaxMessages: flags['event-log-max-messages'],
        // The relay renews its lease between reads, so a read never blocks longer than a third of it.
        relay: {
          leaseMs: flags['relay-lease-ms'],
          blockMs: Math.min(1_000, Math.floor(flags['relay-lease-ms'] / 4)),
        },
        http: parseListen(flags.listen),
        serviceRanges: {
          clusterIPRange: flags['service-cluster-ip-range'],
          nodePorts: { min: min as number, max: max as number },
        },
      });
    } catch (err) {
      await store.close();
      await bus.close();
      if (err instanceof NonDurableStoreError) this.error(err.message, { exit: 2 });
      throw err;
    }
    this.log(`apiserver ready: ${server.httpUrl ?? 'no HTTP face'} (bus: ${bus.kind}, store: ${store.kind})`);
    await signalled;
    await server.stop();
    await store.close();
    await bus.close();
  }
}

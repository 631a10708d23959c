import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Command, Flags } from '@oclif/core';
import { createRegistry, serveMetrics } from '../../../actors/kernel/metrics.js';
import { Scheduler } from '../../../actors/scheduler/scheduler.js';
import { ApiClient } from '../../../protocol/client/api-client.js';
import { HttpTransport } from '../../../protocol/client/http.js';
import { NatsTransport } from '../../../protocol/client/nats.js';
import { systemClock } from '../../../protocol/clock.js';
import { Subjects } from '../../../protocol/subjects.js';
import { componentFlags, componentLogger, connectBus, parseListen, shutdownSignal } from '../../component.js';

/** `skiff run scheduler`: one scheduler replica in the foreground. */
export default class RunScheduler extends Command {
  static override description =
    'Run one scheduler replica: places pending pods on nodes; replicas elect a leader through a Lease';

  static override examples = [
    '<%= config.bin %> run scheduler --nats nats://127.0.0.1:4222',
    '<%= config.bin %> run scheduler --server http://127.0.0.1:6443 --no-leader-elect',
  ];

  static override flags = {
    ...componentFlags,
    server: Flags.string({ description: 'Reach the API over HTTP at this URL instead of the bus' }),
    'leader-elect': Flags.boolean({
      description: 'Campaign for the scheduler Lease before scheduling',
      default: true,
      allowNo: true,
    }),
    'metrics-listen': Flags.string({
      description: 'Prometheus /metrics address host:port',
      default: '127.0.0.1:0',
    }),
    'bind-concurrency': Flags.integer({ description: 'Binds in flight at once', default: 256 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(RunScheduler);
    const log = componentLogger('scheduler', flags['log-level']);
    const signalled = shutdownSignal(log);
    if (!flags.server && !flags.nats) {
      this.error('the scheduler needs the API: give --nats URL (or NATS_URL) or --server URL', { exit: 2 });
    }
    const bus = flags.server ? undefined : await connectBus(flags.nats, 'scheduler', log);
    const transport = bus
      ? new NatsTransport({ bus, subjects: new Subjects(flags.prefix) })
      : new HttpTransport({ url: flags.server as string });
    const client = new ApiClient(transport);
    const registry = createRegistry({ component: 'scheduler', processMetrics: true });
    const metrics = await serveMetrics({ registry, ...parseListen(flags['metrics-listen']) });
    const scheduler = new Scheduler({
      client,
      clock: systemClock,
      log,
      registry,
      identity: `${hostname()}-${randomBytes(4).toString('hex')}`,
      leaderElection: flags['leader-elect'],
      bindConcurrency: flags['bind-concurrency'],
    });
    await scheduler.start();
    this.log(`scheduler ready (metrics: ${metrics.url}/metrics)`);
    await signalled;
    await scheduler.stop();
    await metrics.close();
    await client.close();
    await bus?.close();
  }
}

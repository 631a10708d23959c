import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Command, Flags } from '@oclif/core';
import { ControllerManager } from '../../../actors/controllers/manager/manager.js';
import { createRegistry, serveMetrics } from '../../../actors/kernel/metrics.js';
import { ApiClient } from '../../../protocol/client/api-client.js';
import { HttpTransport } from '../../../protocol/client/http.js';
import { NatsTransport } from '../../../protocol/client/nats.js';
import { systemClock } from '../../../protocol/clock.js';
import { Subjects } from '../../../protocol/subjects.js';
import { componentFlags, componentLogger, connectBus, parseListen, shutdownSignal } from '../../component.js';

/** A duration flag: `40s`, `500ms`, `5m` (a bare number is seconds, as Kubernetes' flags). */
function duration(description: string, fallback: string) {
  return Flags.string({ description: `${description} (e.g. 500ms, 40s, 5m)`, default: fallback });
}

/** Milliseconds of a duration flag's value. */
function parseDuration(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!match) throw new Error(`--${flag}: "${value}" is not a duration such as 500ms, 40s or 5m`);
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  return unit === 'ms' ? n : unit === 's' ? n * 1000 : n * 60_000;
}

/** `skiff run controller-manager`: one controller-manager replica in the foreground. */
export default class RunControllerManager extends Command {
  static override description =
    'Run one controller-manager replica: node lifecycle, namespace and the other controllers; replicas elect a leader through a Lease';

  static override examples = [
    '<%= config.bin %> run controller-manager --nats nats://127.0.0.1:4222',
    '<%= config.bin %> run controller-manager --nats nats://127.0.0.1:4222 --node-monitor-grace-period 10s',
  ];

  static override flags = {
    ...componentFlags,
    server: Flags.string({
      description: 'Reach the API over HTTP at this URL instead of the bus (no kubelet heartbeats then)',
    }),
    'leader-elect': Flags.boolean({
      description: 'Campaign for the controller-manager Lease before acting',
      default: true,
      allowNo: true,
    }),
    'leader-elect-lease-duration': duration('How long the Lease lasts without renewal', '15s'),
    'leader-elect-renew-deadline': duration('A leader that could not renew for this long steps down', '10s'),
    'leader-elect-retry-period': duration('Time between leader election attempts', '2s'),
    'metrics-listen': Flags.string({
      description: 'Prometheus /metrics address host:port',
      default: '127.0.0.1:0',
    }),
    'node-monitor-grace-period': duration('Heartbeat silence after which a node is unreachable', '40s'),
    'node-monitor-period': duration('How often every node is judged', '5s'),
    'default-toleration-seconds': Flags.integer({
      description: 'Seconds a pod without a matching toleration stays on an unreachable node',
      default: 300,
      min: 0,
    }),
    'unhealthy-zone-threshold': Flags.string({
      description: 'Above this fraction of unreachable nodes, none is marked and nothing evicted',
      default: '0.55',
    }),
    'namespace-recheck-period': duration('How often a terminating namespace is looked at again', '2s'),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(RunControllerManager);
    const log = componentLogger('controller-manager', flags['log-level']);
    const signalled = shutdownSignal(log);
    if (!flags.server && !flags.nats) {
      this.error('the controller manager needs the API: give --nats URL (or NATS_URL) or --server URL', {
        exit: 2,
      });
    }
    const ms = (name: keyof typeof flags) => parseDuration(String(flags[name]), String(name));
    const threshold = Number(flags['unhealthy-zone-threshold']);
    if (!(threshold >= 0 && threshold <= 1))
      this.error('--unhealthy-zone-threshold must be between 0 and 1', { exit: 2 });
    const subjects = new Subjects(flags.prefix);
    const bus = flags.server ? undefined : await connectBus(flags.nats, 'controller-manager', log);
    const transport = bus
      ? new NatsTransport({ bus, subjects })
      : new HttpTransport({ url: flags.server as string });
    const client = new ApiClient(transport);
    const registry = createRegistry({ component: 'controller-manager', processMetrics: true });
    const metrics = await serveMetrics({ registry, ...parseListen(flags['metrics-listen']) });
    const identity = `${hostname()}-${randomBytes(4).toString('hex')}`;
    const manager = new ControllerManager({
      client,
      ...(bus ? { bus } : {}),
      subjects,
      clock: systemClock,
      log,
      registry,
      identity,
      leaderElection: flags['leader-elect'] && {
        leaseDurationMs: ms('leader-elect-lease-duration'),
        renewDeadlineMs: ms('leader-elect-renew-deadline'),
        retryPeriodMs: ms('leader-elect-retry-period'),
      },
      settings: {
        nodelifecycle: {
          gracePeriodMs: ms('node-monitor-grace-period'),
          monitorPeriodMs: ms('node-monitor-period'),
          defaultTolerationSeconds: flags['default-toleration-seconds'],
          unhealthyThreshold: threshold,
        },
        namespace: { recheckMs: ms('namespace-recheck-period') },
      },
    });
    await manager.start();
    this.log(`controller-manager ready (identity: ${identity}, metrics: ${metrics.url}/metrics)`);
    await signalled;
    await manager.stop();
    await metrics.close();
    await client.close();
    await bus?.close();
  }
}

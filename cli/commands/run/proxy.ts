import { Command, Flags } from '@oclif/core';
import { createRegistry, serveMetrics } from '../../../actors/kernel/metrics.js';
import { ServiceProxy } from '../../../actors/proxy/proxy.js';
import { ApiClient } from '../../../protocol/client/api-client.js';
import { HttpTransport } from '../../../protocol/client/http.js';
import { NatsTransport } from '../../../protocol/client/nats.js';
import { systemClock } from '../../../protocol/clock.js';
import { Subjects } from '../../../protocol/subjects.js';
import { componentFlags, componentLogger, connectBus, parseListen, shutdownSignal } from '../../component.js';

/** `skiff run proxy`: one node's Service proxy in the foreground. */
export default class RunProxy extends Command {
  static override description =
    "Run one node's Service proxy: listens on every Service's clusterIP:port (on the node and inside each Podman pod) and NodePort, and balances connections over the ready endpoints";

  static override examples = [
    '<%= config.bin %> run proxy --node-name n1 --nats nats://127.0.0.1:4222',
    '<%= config.bin %> run proxy --node-name n1 --server http://127.0.0.1:6443 --node-port-address 127.0.0.1',
  ];

  static override flags = {
    ...componentFlags,
    server: Flags.string({
      description: 'Reach the API over HTTP at this URL instead of the bus (no listeners inside pods)',
    }),
    'node-name': Flags.string({ description: 'The Node this proxy serves', required: true }),
    'node-port-address': Flags.string({ description: 'Where NodePorts listen', default: '0.0.0.0' }),
    'pod-listeners': Flags.boolean({
      description: "Listen inside each Podman pod's network namespace (needs root for nsenter)",
      default: true,
      allowNo: true,
    }),
    'metrics-listen': Flags.string({
      description: 'Prometheus /metrics address host:port',
      default: '127.0.0.1:0',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(RunProxy);
    const log = componentLogger('proxy', flags['log-level']);
    const signalled = shutdownSignal(log);
    if (!flags.server && !flags.nats) {
      this.error('the proxy needs the API: give --nats URL (or NATS_URL) or --server URL', { exit: 2 });
    }
    const subjects = new Subjects(flags.prefix);
    const bus = flags.server ? undefined : await connectBus(flags.nats, `proxy-${flags['node-name']}`, log);
    const client = new ApiClient(
      bus ? new NatsTransport({ bus, subjects }) : new HttpTransport({ url: flags.server as string }),
    );
    const registry = createRegistry({ component: 'proxy', processMetrics: true });
    const metrics = await serveMetrics({ registry, ...parseListen(flags['metrics-listen']) });
    const proxy = new ServiceProxy({
      nodeName: flags['node-name'],
      client,
      ...(bus ? { bus } : {}),
      subjects,
      clock: systemClock,
      log,
      registry,
      nodePortAddress: flags['node-port-address'],
      podListeners: flags['pod-listeners'],
    });
    await proxy.start();
    this.log(`proxy ${flags['node-name']} ready (metrics: ${metrics.url}/metrics)`);
    await signalled;
    await proxy.stop();
    await metrics.close();
    await client.close();
    await bus?.close();
  }
}

import { Command, Flags } from '@oclif/core';
import { createRegistry, serveMetrics } from '../../../actors/kernel/metrics.js';
import { Kubelet } from '../../../actors/kubelet/kubelet.js';
import { ApiClient } from '../../../protocol/client/api-client.js';
import { HttpTransport } from '../../../protocol/client/http.js';
import { NatsTransport } from '../../../protocol/client/nats.js';
import { systemClock } from '../../../protocol/clock.js';
import { parseQuantity, toInt, toMilli } from '../../../protocol/quantity.js';
import { Subjects } from '../../../protocol/subjects.js';
import { componentFlags, componentLogger, connectBus, parseListen, shutdownSignal } from '../../component.js';
import { openRuntime, RUNTIME_NAMES, type RuntimeName } from '../../runtimes.js';

/** `skiff run kubelet`: one node's kubelet in the foreground. */
export default class RunKubelet extends Command {
  static override description =
    "Run one node's kubelet: registers the node, runs the pods bound to it through a container runtime, reports their status";

  static override examples = [
    '<%= config.bin %> run kubelet --node-name n1 --runtime process --nats nats://127.0.0.1:4222',
    '<%= config.bin %> run kubelet --node-name hollow-1 --runtime hollow --cpu 4000m --memory 8Gi',
  ];

  static override flags = {
    ...componentFlags,
    server: Flags.string({
      description: 'Reach the API over HTTP at this URL instead of the bus (no heartbeats)',
    }),
    'node-name': Flags.string({ description: 'The Node this kubelet runs', required: true }),
    runtime: Flags.string({
      description: 'Container runtime',
      options: [...RUNTIME_NAMES],
      default: 'process',
    }),
    'state-dir': Flags.string({ description: 'Where the process runtime keeps its state and logs' }),
    'node-ip': Flags.string({ description: 'The address pods are published on', default: '127.0.0.1' }),
    cpu: Flags.string({
      description: "Report this CPU capacity (millicores, e.g. 4000m) instead of the host's",
    }),
    memory: Flags.string({
      description: "Report this memory capacity (bytes, or Ki/Mi/Gi) instead of the host's",
    }),
    pods: Flags.integer({ description: 'Most pods this node takes', default: 110 }),
    'metrics-listen': Flags.string({
      description: 'Prometheus /metrics address host:port',
      default: '127.0.0.1:0',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(RunKubelet);
    const log = componentLogger('kubelet', flags['log-level']);
    const signalled = shutdownSignal(log);
    if (!flags.server && !flags.nats) {
      this.error('the kubelet needs the API: give --nats URL (or NATS_URL) or --server URL', { exit: 2 });
    }
    const subjects = new Subjects(flags.prefix);
    const bus = flags.server ? undefined : await connectBus(flags.nats, `kubelet-${flags['node-name']}`, log);
    const client = new ApiClient(
      bus ? new NatsTransport({ bus, subjects }) : new HttpTransport({ url: flags.server as string }),
    );
    const runtime = await openRuntime(flags.runtime as RuntimeName, {
      node: flags['node-name'],
      log,
      ...(flags['state-dir'] ? { stateDir: flags['state-dir'] } : {}),
    });
    const registry = createRegistry({ component: 'kubelet', processMetrics: true });
    const metrics = await serveMetrics({ registry, ...parseListen(flags['metrics-listen']) });
    const kubelet = new Kubelet({
      nodeName: flags['node-name'],
      client,
      ...(bus ? { bus } : {}),
      subjects,
      runtime,
      clock: systemClock,
      log,
      registry,
      facts: {
        hostIP: flags['node-ip'],
        pods: flags.pods,
        ...(flags.cpu ? { cpuMillis: toMilli(parseQuantity(flags.cpu)) } : {}),
        ...(flags.memory ? { memoryBytes: toInt(parseQuantity(flags.memory)) } : {}),
      },
    });
    await kubelet.start();
    this.log(
      `kubelet ${flags['node-name']} ready (runtime ${runtime.name}, metrics: ${metrics.url}/metrics)`,
    );
    await signalled;
    await kubelet.stop();
    await runtime.close();
    await metrics.close();
    await client.close();
    await bus?.close();
  }
}

import { mkdirSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { Command, Flags } from '@oclif/core';
import { ApiServer } from '../../actors/apiserver/server.js';
import { ControllerManager } from '../../actors/controllers/manager/manager.js';
import type { Logger } from '../../actors/kernel/log.js';
import { createRegistry } from '../../actors/kernel/metrics.js';
import { Kubelet } from '../../actors/kubelet/kubelet.js';
import { ServiceProxy } from '../../actors/proxy/proxy.js';
import { Scheduler } from '../../actors/scheduler/scheduler.js';
import { ApiClient } from '../../protocol/client/api-client.js';
import { Informer } from '../../protocol/client/informer.js';
import { NatsTransport } from '../../protocol/client/nats.js';
import { systemClock } from '../../protocol/clock.js';
import type { Node } from '../../protocol/resources/node.js';
import { Subjects } from '../../protocol/subjects.js';
import {
  componentFlags,
  componentLogger,
  connectBus,
  openStore,
  parseListen,
  shutdownSignal,
} from '../component.js';
import { configPath, kubeconfigPath, mergeContext, removeContext } from '../config.js';
import { printApiError } from '../output/index.js';
import { claimDataDir } from '../pidfile.js';
import { defaultRuntime, openRuntime, RUNTIME_NAMES, type RuntimeName } from '../runtimes.js';

/** `skiff up`: a whole local cluster in one process, in the foreground. */
export default class Up extends Command {
  static override description =
    'Start a local cluster in the foreground: API server (HTTP face included), scheduler, controller manager, and kubelets with their proxies, on the in-process bus and an embedded store unless --nats / --redis point at real ones';

  static override examples = [
    '<%= config.bin %> up',
    '<%= config.bin %> up --nodes 3 --runtime hollow',
    '<%= config.bin %> up --nats nats://127.0.0.1:4222 --redis redis://127.0.0.1:6379',
  ];

  static override flags = {
    ...componentFlags,
    'log-level': Flags.string({
      description: 'Minimum log level of the components (logs go to stderr)',
      options: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
      default: 'warn',
    }),
    redis: Flags.string({
      description: 'Redis URL (default: $REDIS_URL; none: the embedded store)',
      env: 'REDIS_URL',
    }),
    'data-dir': Flags.string({
      description: 'Directory of the embedded store',
      default: join(homedir(), '.skiff', 'data'),
    }),
    listen: Flags.string({
      description: 'API address host:port (port 0: a free one)',
      default: '127.0.0.1:6443',
    }),
    context: Flags.string({
      description: 'Name of the context written to the config file and the kubeconfig',
      default: 'skiff',
    }),
    'no-kubeconfig': Flags.boolean({
      description: "Leave the user's kubeconfig ($KUBECONFIG, else ~/.kube/config) alone",
      default: false,
    }),
    nodes: Flags.integer({ description: 'Nodes (kubelets) to start', default: 1, min: 0 }),
    runtime: Flags.string({
      description:
        'Container runtime of the kubelets (default: podman when its socket answers, else process)',
      options: [...RUNTIME_NAMES],
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Up);
    const step = (text: string) => this.log(`• ${text}`);
    const log = componentLogger('skiff-up', flags['log-level']);
    const signalled = shutdownSignal(log);
    mkdirSync(flags['data-dir'], { recursive: true });
    let release: () => void;
    try {
      release = claimDataDir(flags['data-dir']);
    } catch (err) {
      printApiError(err);
      return;
    }

    step(flags.nats ? `connecting to NATS at ${flags.nats}` : 'starting the in-process bus');
    const bus = await connectBus(flags.nats, 'skiff-up', log);
    step(
      flags.redis
        ? `connecting to Redis at ${flags.redis}`
        : `opening the embedded store in ${flags['data-dir']}`,
    );
    const store = await openStore(flags.redis, flags['data-dir'], flags.prefix, log);
    const subjects = new Subjects(flags.prefix);

    step('starting the API server');
    const api = await ApiServer.start({
      bus,
      store,
      subjects,
      clock: systemClock,
      log: log.child({ component: 'apiserver' }),
      registry: createRegistry({ component: 'apiserver', processMetrics: true }),
      http: parseListen(flags.listen),
    });
    const server = api.httpUrl as string;

    step('starting the scheduler');
    const client = new ApiClient(new NatsTransport({ bus, subjects }));
    const scheduler = new Scheduler({
      client,
      clock: systemClock,
      log: log.child({ component: 'scheduler' }),
      registry: createRegistry({ component: 'scheduler' }),
      identity: `${hostname()}-up`,
      leaderElection: Boolean(flags.nats), // alone on an in-process bus there is nobody to elect against
    });
    await scheduler.start();

    step('starting the controller manager');
    const controllerManager = new ControllerManager({
      client,
      bus,
      subjects,
      clock: systemClock,
      log: log.child({ component: 'controller-manager' }),
      registry: createRegistry({ component: 'controller-manager' }),
      identity: `${hostname()}-up`,
      leaderElection: Boolean(flags.nats), // as the scheduler: alone on an in-process bus
    });
    await controllerManager.start();

    const runtimeName = (flags.runtime as RuntimeName | undefined) ?? (await defaultRuntime());
    // Kubelets start side by side: each registers its node and reports Ready on its own.
    const names = Array.from({ length: flags.nodes }, (_, i) =>
      flags.nodes === 1 ? 'node-1' : `node-${i + 1}`,
    );
    if (names.length > 0) {
      step(`starting ${names.length} kubelet(s) with the ${runtimeName} runtime, and their proxies`);
    }
    const kubelets = await Promise.all(
      names.map(async (node) => {
        const runtime = await openRuntime(runtimeName, {
          node,
          log,
          stateDir: join(flags['data-dir'], 'process', node),
        });
        const kubelet = new Kubelet({
          nodeName: node,
          client,
          bus,
          subjects,
          runtime,
          clock: systemClock,
          log: log.child({ component: 'kubelet' }),
          registry: createRegistry({ component: 'kubelet' }),
        });
        await kubelet.start();
        // Its proxy: every node's pods get Service listeners in their network namespaces; the
        // host's own (clusterIP:port, NodePorts) only once, since the nodes share this host.
        const proxy = new ServiceProxy({
          nodeName: node,
          client,
          bus,
          subjects,
          clock: systemClock,
          log: log.child({ component: 'proxy' }),
          registry: createRegistry({ component: 'proxy' }),
          nodePortAddress: '127.0.0.1',
          nodeListeners: node === names[0],
          // Listeners inside pods need nsenter, which needs root; without it, pods reach Services
          // through the host's listeners only where they share the host's network (process runtime).
          podListeners: runtimeName === 'podman' && process.getuid?.() === 0,
        });
        await proxy.start();
        return { node, kubelet, runtime, proxy };
      }),
    );
    await waitForNodesReady(client, names, log, (node, count) =>
      step(`node ${node} Ready [${count}/${names.length}]`),
    );

    const context = { name: flags.context, server, namespace: 'default' };
    mergeContext(context);
    // As kind does: the user's kubeconfig gains this context (and makes it current) while the
    // cluster runs, and loses it again at the end, with their previous context current again.
    const kubeconfig = flags['no-kubeconfig'] ? undefined : kubeconfigPath();
    const previousContext = kubeconfig ? mergeContext(context, kubeconfig) : undefined;
    // From the process start, not from here: what the person waited, node and module loading included.
    this.log(`Skiff is up in ${process.uptime().toFixed(1)} s`);
    this.log(`API server: ${server}   (context "${flags.context}" written to ${configPath()})`);
    this.log(
      kubeconfig
        ? `kubectl uses it now (context "${flags.context}" merged into ${kubeconfig}): kubectl get pods`
        : `Try: kubectl --server ${server} get namespaces`,
    );
    this.log('Press Ctrl-C to stop.');

    await signalled;
    this.log('stopping...');
    if (kubeconfig) removeContext(flags.context, previousContext, kubeconfig);
    for (const { kubelet, runtime, proxy } of kubelets) {
      await proxy.stop();
      await kubelet.stop();
      await runtime.close();
    }
    await controllerManager.stop();
    await scheduler.stop();
    await api.stop();
    await store.close();
    await bus.close();
    release(); // last: `skiff down` waits for this file to go
    this.log('stopped');
  }
}

/** Resolves once every node in `names` reports Ready=True, calling `onReady` for each as it does. */
async function waitForNodesReady(
  client: ApiClient,
  names: readonly string[],
  log: Logger,
  onReady: (node: string, count: number) => void,
): Promise<void> {
  if (names.length === 0) return;
  // Watched, not polled: the informer hears each kubelet's Node write as it lands.
  const informer = new Informer<Node>({ client, resource: 'nodes', clock: systemClock, log });
  const ready = new Set<string>();
  const all = new Promise<void>((resolve) => {
    const check = (node: Node) => {
      const name = node.metadata.name ?? '';
      if (!names.includes(name) || ready.has(name)) return;
      if (!node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return;
      ready.add(name);
      onReady(name, ready.size);
      if (ready.size === names.length) resolve();
    };
    informer.on({ add: check, update: (_, node) => check(node) });
  });
  await informer.start();
  await all;
  await informer.stop();
}

/**
 * The proxy: one per node (`skiff run proxy --node-name N`), the network proxy and load balancer
 * through which clients reach a Service's pods (BLUEPRINT.md, Networking model). An ActorSystem
 * like the kubelet's: every piece supervised, restarted forever with capped backoff.
 *
 *   ┌──────────────────────────────── ActorSystem "proxy" ───────────────────────────────────┐
 *   │ proxier ── informers: Services, Endpoints ──▶ buildServiceTable ──▶ Dataplane.apply    │
 *   │              ▲ changed / resync (30 s)           (pure)               balancers,        │
 *   │              │                                                        listeners         │
 *   │ pod-network ─┘ skiff.node.<node>.pods (kubelet publication; .get at start)             │
 *   └────────────────────────────────────────────────────────────────────────────────────────┘
 *
 * Level-triggered: every change, whatever it was, rebuilds the whole table from the informers'
 * caches and applies it; changes arriving while a sync is queued share that sync. Without a bus
 * (`--server URL`) the proxy cannot hear its kubelet, and listens on the node only.
 */
import type { Registry } from 'prom-client';
import type { Bus, Subscription } from '../../protocol/bus.js';
import type { ApiClient } from '../../protocol/client/api-client.js';
import { Informer } from '../../protocol/client/informer.js';
import type { Clock, Timer } from '../../protocol/clock.js';
import { isNewerPodSet, type NodePodNetworks, NodePodNetworksSchema } from '../../protocol/pod-network.js';
import type { Endpoints } from '../../protocol/resources/endpoints.js';
import type { Service } from '../../protocol/resources/service.js';
import type { Subjects } from '../../protocol/subjects.js';
import type { ActorLogic, ActorRef } from '../kernel/actor.js';
import type { Logger } from '../kernel/log.js';
import { restartForever } from '../kernel/supervision.js';
import { ActorSystem } from '../kernel/system.js';
import { Dataplane } from './dataplane.js';
import { type ProxyMetrics, proxyMetrics } from './metrics.js';
import type { HelperLauncher } from './netns.js';
import { buildServiceTable } from './service-table.js';

export interface ProxyOptions {
  readonly nodeName: string;
  readonly client: ApiClient;
  /** To hear the kubelet's pod set (listeners inside pods); without one, node listeners only. */
  readonly bus?: Bus;
  readonly subjects: Subjects;
  readonly clock: Clock;
  readonly log: Logger;
  readonly registry: Registry;
  /** Where NodePorts listen (default `0.0.0.0`). */
  readonly nodePortAddress?: string;
  /** Re-applies everything this often, retrying listeners that failed (default 30 s). */
  readonly resyncMs?: number;
  /** UDP flows idle this long are closed (default 30 s). */
  readonly udpIdleMs?: number;
  /** Open listeners inside pods' network namespaces (default true). */
  readonly podListeners?: boolean;
  /** Open the node's own listeners (default true; see DataplaneDeps.nodeListeners). */
  readonly nodeListeners?: boolean;
  /** How the in-namespace helper starts (default `nsenter --net=/proc/<pid>/ns/net`). */
  readonly launcher?: HelperLauncher;
}

type ProxierMsg =
  | { readonly type: 'changed' }
  | { readonly type: 'listed'; readonly instance: number }
  | { readonly type: 'resync' };

/** The node's pod set as last heard from its kubelet, shared by the two actors. */
interface PodSetHolder {
  current: NodePodNetworks | undefined;
}

/** One node's proxy (kube-proxy's role). */
export class ServiceProxy {
  readonly metrics: ProxyMetrics;
  private readonly system: ActorSystem;
  private readonly pods: PodSetHolder = { current: undefined };
  private dataplane: Dataplane | undefined;
  private proxierInstances = 0;
  private syncedOnce: (() => void) | undefined;
  private readonly synced = new Promise<void>((resolve) => {
    this.syncedOnce = resolve;
  });

  constructor(private readonly options: ProxyOptions) {
    this.metrics = proxyMetrics(options.registry);
    this.system = new ActorSystem({
      clock: options.clock,
      log: options.log.child({ node: options.nodeName }),
      policy: { ...restartForever, backoff: { maxMs: 10_000 } },
      restarts: this.metrics.restarts,
    });
  }

  /** Starts watching and serving; resolves once the first Services and Endpoints are applied. */
  async start(): Promise<void> {
    const proxier = this.system.spawn('proxier', () => this.proxierActor());
    const { bus } = this.options;
    if (bus) this.system.spawn('pod-network', () => this.podNetworkActor(bus, proxier));
    else this.options.log.warn({}, 'no bus: listening on the node only, not inside pods');
    await this.synced;
    this.options.log.info({ node: this.options.nodeName }, 'proxy started');
  }

  /** Closes every listener; connections already relayed finish on their own. */
  async stop(): Promise<void> {
    await this.system.stop();
  }

  /** What is listening now, on the node and per pod uid (for tests and debugging). */
  openListeners(): { node: string[]; pods: Record<string, string[]> } {
    return this.dataplane?.openListeners() ?? { node: [], pods: {} };
  }

  /** Turns Service and Endpoints changes (and the pod set) into an applied table. */
  private proxierActor(): ActorLogic<ProxierMsg> {
    const { client, clock } = this.options;
    let services: Informer<Service> | undefined;
    let endpoints: Informer<Endpoints> | undefined;
    let dataplane: Dataplane | undefined;
    let resync: Timer | undefined;
    let queued = false;
    let listed = 0;
    // When each change not applied yet was seen (for the apply-latency histogram).
    let changedAt: number[] = [];
    const mine = ++this.proxierInstances;

    return {
      start: (ctx) => {
        dataplane = new Dataplane({
          clock,
          log: ctx.log,
          metrics: this.metrics,
          ...(this.options.nodePortAddress ? { nodePortAddress: this.options.nodePortAddress } : {}),
          ...(this.options.udpIdleMs !== undefined ? { udpIdleMs: this.options.udpIdleMs } : {}),
          ...(this.options.podListeners === false ? { podListeners: false } : {}),
          ...(this.options.nodeListeners === false ? { nodeListeners: false } : {}),
          ...(this.options.launcher ? { launcher: this.options.launcher } : {}),
        });
        this.dataplane = dataplane;
        const changed = () => {
          if (services?.hasSynced && endpoints?.hasSynced) changedAt.push(clock.now());
          if (queued) return;
          queued = true;
          ctx.self.send({ type: 'changed' });
        };
        const handlers = { add: changed, update: changed, delete: changed };
        services = new Informer<Service>({ client, resource: 'services', clock: ctx.clock, log: ctx.log });
        endpoints = new Informer<Endpoints>({
          client,
          resource: 'endpoints',
          clock: ctx.clock,
          log: ctx.log,
        });
        services.on(handlers);
        endpoints.on(handlers);
        listed = 0;
        for (const informer of [services, endpoints]) {
          void informer.start().then(() => ctx.self.send({ type: 'listed', instance: mine }));
        }
      },
      receive: (msg, ctx) => {
        if (msg.type === 'listed') {
          if (msg.instance !== mine || ++listed < 2) return; // a previous instance's, or one of two
        }
        if (!services?.hasSynced || !endpoints?.hasSynced || !dataplane) return;
        queued = false;
        const table = buildServiceTable(services.list(), endpoints.list());
        dataplane.apply(table, this.pods.current?.pods);
        const now = clock.now();
        for (const at of changedAt) this.metrics.applyLatency.observe((now - at) / 1000);
        changedAt = [];
        if (msg.type !== 'changed') {
          resync?.cancel();
          resync = ctx.clock.setTimeout(
            () => ctx.self.send({ type: 'resync' }),
            this.options.resyncMs ?? 30_000,
          );
        }
        this.syncedOnce?.();
        this.syncedOnce = undefined;
      },
      stop: async () => {
        resync?.cancel();
        dataplane?.close();
        await services?.stop();
        await endpoints?.stop();
      },
    };
  }

  /** Hears the kubelet's pod set: asks once at start, then follows its publications. */
  private podNetworkActor(bus: Bus, proxier: ActorRef<ProxierMsg>): ActorLogic<never> {
    const { subjects, nodeName } = this.options;
    let subscription: Subscription | undefined;
    const accept = (data: string, log: Logger) => {
      const parsed = NodePodNetworksSchema.safeParse(JSON.parse(data));
      if (!parsed.success) {
        log.warn({ error: parsed.error.message }, 'pod network set that does not parse: ignored');
        return;
      }
      if (!isNewerPodSet(this.pods.current, parsed.data)) return;
      this.pods.current = parsed.data;
      log.debug({ pods: parsed.data.pods.length, seq: parsed.data.seq }, 'pod network set');
      proxier.send({ type: 'changed' });
    };
    return {
      start: async (ctx) => {
        subscription = bus.subscribe(subjects.nodePods(nodeName), (msg) => accept(msg.text(), ctx.log));
        try {
          const reply = await bus.request(subjects.nodePodsGet(nodeName), '', { timeoutMs: 2_000 });
          accept(reply.text(), ctx.log);
        } catch (err) {
          // No kubelet yet, or a slow one: its next publication (at most 10 s away) brings the set.
          ctx.log.info({ err: (err as Error).message }, 'no pod network set from the kubelet yet');
        }
      },
      receive: () => undefined,
      stop: async () => {
        await subscription?.drain();
      },
    };
  }
}

/**
 * The proxy's sockets: brings what is open in line with the service table and the node's pods.
 *
 *   table entry ──▶ port state (Balancer + TcpForwarder), updated in place on every apply
 *              └──▶ listeners: node  clusterIP:port, nodePortAddress:nodePort   (net / dgram)
 *                              pod   clusterIP:port inside each Podman pod       (netns helper)
 *
 * `apply` is synchronous for what clients feel first: balancers take the new endpoints before it
 * returns. Opening sockets is asynchronous (a bind, or a helper process per pod); an open that
 * completes after its listener stopped being wanted closes at once, and one that failed is tried
 * again at the next apply (the proxy re-applies periodically). Listeners close when no longer
 * wanted; the connections they accepted are not theirs and run on (drain).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { Clock } from '../../protocol/clock.js';
import type { PodNetwork } from '../../protocol/pod-network.js';
import type { Logger } from '../kernel/log.js';
import { Balancer } from './balancer.js';
import type { ProxyMetrics } from './metrics.js';
import { type HelperLauncher, listenInNetns } from './netns.js';
import { type ListenAddress, listenAddresses, listenKey, type ServicePortEntry } from './service-table.js';
import { TcpForwarder } from './tcp.js';
import { UdpForwarder } from './udp.js';

export interface DataplaneDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: ProxyMetrics;
  /** Where NodePorts listen on the node (default `0.0.0.0`). */
  readonly nodePortAddress?: string;
  readonly udpIdleMs?: number;
  /** Open listeners inside pods' network namespaces (default true). */
  readonly podListeners?: boolean;
  /**
   * Open the node's own listeners, clusterIP:port and NodePorts (default true). Off for the
   * proxies of all but one of several nodes that share one host (`skiff up --nodes N`): the
   * host has one set of addresses, which one proxy serves for all of them.
   */
  readonly nodeListeners?: boolean;
  readonly launcher?: HelperLauncher;
}

interface PortState {
  entry: ServicePortEntry;
  readonly balancer: Balancer;
  readonly tcp: TcpForwarder;
}

interface Listener {
  readonly entryKey: string;
  close(): void;
}

interface PodState {
  readonly pid: number;
  readonly listeners: Map<string, Listener>;
  opening: boolean;
  /** After a failed helper run, no new one before this time (every apply would start one). */
  retryAt: number;
}

/** Pause after a helper failed in a pod before the next try. */
const POD_RETRY_MS = 5_000;

/** The sockets and balancing state of one proxy. */
export class Dataplane {
  private readonly ports = new Map<string, PortState>();
  private readonly nodeListeners = new Map<string, Listener>();
  private readonly opening = new Set<string>();
  private readonly pods = new Map<string, PodState>();
  /** listenKey → entryKey, for the node and for every pod: what should be open. */
  private wantedNode = new Map<string, string>();
  private wantedPod = new Map<string, string>();
  private readonly addresses = new Map<string, ListenAddress>();
  private closed = false;

  constructor(private readonly deps: DataplaneDeps) {}

  /** Makes balancers and listeners match `table` and `pods` (undefined: pods not known yet). */
  apply(table: ReadonlyMap<string, ServicePortEntry>, pods: readonly PodNetwork[] | undefined): void {
    if (this.closed) return;
    this.updatePorts(table);
    this.wantedNode = new Map();
    this.wantedPod = new Map();
    const nodePortAddress = this.deps.nodePortAddress ?? '0.0.0.0';
    const onNode = this.deps.nodeListeners !== false;
    for (const entry of table.values()) {
      for (const listen of onNode ? listenAddresses(entry, 'node', nodePortAddress) : []) {
        this.wantedNode.set(listenKey(listen), entry.key);
        this.addresses.set(listenKey(listen), listen);
      }
      for (const listen of listenAddresses(entry, 'pod', nodePortAddress)) {
        this.wantedPod.set(listenKey(listen), entry.key);
      }
    }
    this.syncNodeListeners();
    if (this.deps.podListeners !== false && pods) this.syncPodListeners(pods);
    this.countListeners();
  }

  /** The open connections of one Service port (tests, draining). */
  forwarder(entryKey: string): TcpForwarder | undefined {
    return this.ports.get(entryKey)?.tcp;
  }

  /** Listen keys open on the node, and per pod uid (tests). */
  openListeners(): { node: string[]; pods: Record<string, string[]> } {
    return {
      node: [...this.nodeListeners.keys()].sort(),
      pods: Object.fromEntries([...this.pods].map(([uid, p]) => [uid, [...p.listeners.keys()].sort()])),
    };
  }

  /** Closes every listener; open connections finish on their own. */
  close(): void {
    this.closed = true;
    for (const l of this.nodeListeners.values()) l.close();
    this.nodeListeners.clear();
    for (const pod of this.pods.values()) for (const l of pod.listeners.values()) l.close();
    this.pods.clear();
    this.countListeners();
  }

  private updatePorts(table: ReadonlyMap<string, ServicePortEntry>): void {
    for (const entry of table.values()) {
      const settings = { affinity: entry.affinity, affinityTimeoutMs: entry.affinityTimeoutMs };
      const state = this.ports.get(entry.key);
      if (state) {
        state.entry = entry;
        state.balancer.update(entry.endpoints, settings);
        state.balancer.expireAffinities(this.deps.clock.now());
        continue;
      }
      const balancer = new Balancer(settings);
      balancer.update(entry.endpoints);
      const { clock, log, metrics } = this.deps;
      this.ports.set(entry.key, {
        entry,
        balancer,
        tcp: new TcpForwarder({ label: entry.label, balancer, metrics, clock, log }),
      });
    }
    // A removed port's connections keep their sockets (the relays hold them), not its state.
    for (const key of this.ports.keys()) if (!table.has(key)) this.ports.delete(key);
  }

  private syncNodeListeners(): void {
    for (const [key, listener] of this.nodeListeners) {
      if (this.wantedNode.get(key) === listener.entryKey) continue;
      listener.close();
      this.nodeListeners.delete(key);
    }
    for (const [key, entryKey] of this.wantedNode) {
      if (this.nodeListeners.has(key) || this.opening.has(key)) continue;
      const listen = this.addresses.get(key) as ListenAddress;
      this.opening.add(key);
      void this.openOnNode(listen, entryKey)
        .then((listener) => {
          this.opening.delete(key);
          if (this.closed || this.wantedNode.get(key) !== entryKey || this.nodeListeners.has(key))
            listener.close();
          else this.nodeListeners.set(key, listener);
          this.countListeners();
        })
        .catch((err: unknown) => {
          this.opening.delete(key);
          this.listenFailed(entryKey, key, 'node', err);
        });
    }
  }

  private syncPodListeners(pods: readonly PodNetwork[]): void {
    const withNetns = new Map(pods.filter((p) => p.netnsPid).map((p) => [p.uid, p.netnsPid as number]));
    for (const [uid, state] of this.pods) {
      if (withNetns.get(uid) === state.pid) continue;
      // Gone, or its namespace holder changed (the infra container restarted): the sockets are stale.
      for (const l of state.listeners.values()) l.close();
      this.pods.delete(uid);
    }
    for (const [uid, pid] of withNetns) {
      let state = this.pods.get(uid);
      if (!state) {
        state = { pid, listeners: new Map(), opening: false, retryAt: 0 };
        this.pods.set(uid, state);
      }
      for (const [key, listener] of state.listeners) {
        if (this.wantedPod.get(key) === listener.entryKey) continue;
        listener.close();
        state.listeners.delete(key);
      }
      if (state.opening || this.deps.clock.now() < state.retryAt) continue;
      const missing = [...this.wantedPod].filter(([key]) => !state.listeners.has(key));
      if (missing.length > 0) this.openInPod(uid, state, missing);
    }
  }

  /** One helper process opens every missing listener of one pod. */
  private openInPod(uid: string, state: PodState, missing: [string, string][]): void {
    state.opening = true;
    this.deps.log.debug(
      { pod: uid, pid: state.pid, listeners: missing.length },
      'opening listeners in a pod',
    );
    const listens = missing.map(([key]) => parseListenKey(key));
    void listenInNetns(state.pid, listens, this.deps.launcher ? { launcher: this.deps.launcher } : {})
      .then((results) => {
        results.forEach((result, i) => {
          const [key, entryKey] = missing[i] as [string, string];
          if (!result.ok) {
            state.retryAt = this.deps.clock.now() + POD_RETRY_MS;
            this.listenFailed(entryKey, key, `pod ${uid}`, new Error(result.error));
            return;
          }
          const listener = this.adopt(result.handle, result.listen, entryKey, uid);
          const current = this.pods.get(uid);
          if (this.closed || current !== state || this.wantedPod.get(key) !== entryKey) listener.close();
          else state.listeners.set(key, listener);
        });
      })
      .catch((err: unknown) => {
        state.retryAt = this.deps.clock.now() + POD_RETRY_MS;
        this.deps.log.warn({ err, pod: uid }, 'opening listeners in a pod failed (retried at a later sync)');
      })
      .finally(() => {
        state.opening = false;
        this.countListeners();
      });
  }

  private async openOnNode(listen: ListenAddress, entryKey: string): Promise<Listener> {
    if (listen.protocol === 'UDP') {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ address: listen.address, port: listen.port }, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      return this.adopt(socket, listen, entryKey, 'node');
    }
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: listen.address, port: listen.port, backlog: 511 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return this.adopt(server, listen, entryKey, 'node');
  }

  /** Wires an open socket to its Service port's forwarding. */
  private adopt(
    handle: net.Server | dgram.Socket,
    listen: ListenAddress,
    entryKey: string,
    origin: string,
  ): Listener {
    if (handle instanceof net.Server) {
      // A server that came over IPC was built with the defaults: make it behave like our own.
      // (Both are the options net.createServer sets; net.Server reads them at each accept.)
      Object.assign(handle, { allowHalfOpen: true, pauseOnConnect: true });
      handle.on('connection', (socket: net.Socket) => {
        const port = this.ports.get(entryKey);
        if (port) port.tcp.handle(socket, origin);
        else socket.resetAndDestroy();
      });
      handle.on('error', (err) => this.deps.log.warn({ err, listen: listenKey(listen) }, 'listener error'));
      return { entryKey, close: () => handle.close() };
    }
    const port = this.ports.get(entryKey) as PortState;
    const udp = new UdpForwarder(handle, origin, {
      label: port.entry.label,
      balancer: port.balancer,
      metrics: this.deps.metrics,
      clock: this.deps.clock,
      log: this.deps.log,
      ...(this.deps.udpIdleMs !== undefined ? { idleMs: this.deps.udpIdleMs } : {}),
    });
    return { entryKey, close: () => udp.close() };
  }

  private listenFailed(entryKey: string, key: string, where: string, err: unknown): void {
    const label = this.ports.get(entryKey)?.entry.label ?? entryKey;
    this.deps.metrics.errors.inc({ service: label, reason: 'listen' });
    this.deps.log.warn(
      { err, listen: key, where, service: label },
      'cannot listen (retried at the next sync)',
    );
  }

  private countListeners(): void {
    this.deps.metrics.listeners.set({ scope: 'node' }, this.nodeListeners.size);
    let inPods = 0;
    for (const pod of this.pods.values()) inPods += pod.listeners.size;
    this.deps.metrics.listeners.set({ scope: 'pod' }, inPods);
  }
}

/** `address:port/protocol` back into its parts. */
function parseListenKey(key: string): ListenAddress {
  const slash = key.lastIndexOf('/');
  const colon = key.lastIndexOf(':', slash);
  return {
    address: key.slice(0, colon),
    port: Number(key.slice(colon + 1, slash)),
    protocol: key.slice(slash + 1) as ListenAddress['protocol'],
  };
}

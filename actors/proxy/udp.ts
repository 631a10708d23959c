/**
 * UDP forwarding for one listening socket of one Service port. UDP has no connections, so the
 * proxy keeps flows: a client address (`ip:port`) gets an endpoint (balanced as a new TCP
 * connection would be) and its own upstream socket, whose replies go back to the client from the
 * listening socket. A flow idle for `idleMs` is forgotten; until then it keeps its endpoint, also
 * after the endpoint left the ready set (drain, as for TCP).
 *
 *   client ──datagram──▶ listener ──flow (new: pick)──▶ upstream socket ──▶ endpoint
 *   client ◀─────────── listener ◀──────── reply ◀──── upstream socket ◀── endpoint
 *
 * No ready endpoint: the datagram is dropped and counted (`no_endpoints`); UDP has no refusal.
 */
import dgram from 'node:dgram';
import type { Clock, Timer } from '../../protocol/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Balancer } from './balancer.js';
import type { ProxyMetrics } from './metrics.js';
import type { EndpointTarget } from './service-table.js';

export interface UdpForwarderDeps {
  readonly label: string;
  readonly balancer: Balancer;
  readonly metrics: ProxyMetrics;
  readonly clock: Clock;
  readonly log: Logger;
  /** A flow with no datagram either way for this long is closed (default 30 s). */
  readonly idleMs?: number;
}

interface Flow {
  readonly endpoint: EndpointTarget;
  readonly upstream: dgram.Socket;
  lastActive: number;
}

/** Relays the datagrams arriving on one listening socket. */
export class UdpForwarder {
  private readonly flows = new Map<string, Flow>();
  private sweep: Timer | undefined;
  private closed = false;

  constructor(
    private readonly listener: dgram.Socket,
    private readonly origin: string,
    private readonly deps: UdpForwarderDeps,
  ) {
    listener.on('message', (msg, rinfo) => this.forward(msg, rinfo));
    listener.on('error', (err) => {
      deps.metrics.errors.inc({ service: deps.label, reason: 'stream' });
      deps.log.warn({ err, service: deps.label }, 'UDP listener error');
    });
    this.scheduleSweep();
  }

  /** Flows open now. */
  get size(): number {
    return this.flows.size;
  }

  /** Closes every flow and the listening socket. */
  close(): void {
    this.closed = true;
    this.sweep?.cancel();
    for (const flow of this.flows.values()) flow.upstream.close();
    this.flows.clear();
    this.listener.close();
  }

  private forward(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const { label, metrics, clock } = this.deps;
    const key = `${rinfo.address}:${rinfo.port}`;
    let flow = this.flows.get(key);
    if (!flow) {
      const endpoint = this.deps.balancer.pick(`${this.origin}|${rinfo.address}`, clock.now());
      if (!endpoint) {
        metrics.errors.inc({ service: label, reason: 'no_endpoints' });
        return;
      }
      flow = this.openFlow(key, endpoint, rinfo);
    }
    flow.lastActive = clock.now();
    metrics.bytes.inc({ service: label, direction: 'in' }, msg.length);
    flow.upstream.send(msg, flow.endpoint.port, flow.endpoint.ip);
  }

  private openFlow(key: string, endpoint: EndpointTarget, client: dgram.RemoteInfo): Flow {
    const { label, metrics, clock } = this.deps;
    const upstream = dgram.createSocket(endpoint.ip.includes(':') ? 'udp6' : 'udp4');
    const flow: Flow = { endpoint, upstream, lastActive: clock.now() };
    upstream.on('message', (reply, from) => {
      // Only the endpoint's answers go back: the upstream port is ephemeral but not secret.
      if (from.address !== endpoint.ip || from.port !== endpoint.port || this.closed) return;
      flow.lastActive = clock.now();
      metrics.bytes.inc({ service: label, direction: 'out' }, reply.length);
      this.listener.send(reply, client.port, client.address);
    });
    upstream.on('error', (err) => {
      metrics.errors.inc({ service: label, reason: 'stream' });
      this.deps.log.debug({ err, service: label }, 'UDP flow error: closing it');
      this.closeFlow(key);
    });
    this.flows.set(key, flow);
    metrics.connections.inc({ service: label, protocol: 'UDP' });
    return flow;
  }

  private closeFlow(key: string): void {
    const flow = this.flows.get(key);
    if (!flow) return;
    this.flows.delete(key);
    flow.upstream.close();
  }

  private scheduleSweep(): void {
    const idleMs = this.deps.idleMs ?? 30_000;
    this.sweep = this.deps.clock.setTimeout(
      () => {
        const now = this.deps.clock.now();
        for (const [key, flow] of this.flows) if (now - flow.lastActive >= idleMs) this.closeFlow(key);
        if (!this.closed) this.scheduleSweep();
      },
      Math.max(10, idleMs / 2),
    );
  }
}

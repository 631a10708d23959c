/**
 * TCP forwarding for one Service port: every listener of the port (on the node, in each pod, the
 * NodePort) hands its accepted sockets here.
 *
 *   client ──accept (paused)──▶ pick endpoint ──connect──▶ pipe both ways (backpressure by pipe)
 *                 │ none ready                   │ refused: next endpoint, then reset
 *                 └──────────▶ reset at once     └──────────▶ reset
 *
 * No ready endpoint: the connection is accepted and reset (RST) at once, so a client fails fast
 * with ECONNRESET instead of hanging. The listener stays open: closing it would mean a helper
 * process per pod to reopen it when an endpoint comes back, and a window where a late endpoint
 * finds nobody listening. Established connections are never touched by endpoint changes: one to
 * a removed endpoint runs until either side closes it (drain).
 */
import net from 'node:net';
import type { Clock } from '../../protocol/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Balancer } from './balancer.js';
import type { ProxyMetrics } from './metrics.js';
import { type EndpointTarget, targetKey } from './service-table.js';

export interface TcpForwarderDeps {
  readonly label: string;
  readonly balancer: Balancer;
  readonly metrics: ProxyMetrics;
  readonly clock: Clock;
  readonly log: Logger;
  /** How long a connect to an endpoint may take before the next one is tried (default 2 s). */
  readonly connectTimeoutMs?: number;
}

/** One relayed connection, for draining and tests. */
export interface Relay {
  readonly endpoint: EndpointTarget;
  readonly client: net.Socket;
  readonly upstream: net.Socket;
}

/** Forwards the TCP connections of one Service port. */
export class TcpForwarder {
  /** Connections open now. */
  readonly relays = new Set<Relay>();
  /** This port's series, resolved once: a label lookup per connection costs more than the count. */
  private readonly series;

  constructor(private readonly deps: TcpForwarderDeps) {
    const { label: service, metrics } = deps;
    this.series = {
      connections: metrics.connections.labels({ service, protocol: 'TCP' }),
      active: metrics.active.labels({ service }),
      bytesIn: metrics.bytes.labels({ service, direction: 'in' }),
      bytesOut: metrics.bytes.labels({ service, direction: 'out' }),
    };
  }

  /**
   * Takes over an accepted socket (accepted paused: nothing is read before an endpoint answers).
   * `origin` names the network it came from (`node`, or a pod's uid), so ClientIP affinity tells
   * pods apart although they all connect from their own 127.0.0.1.
   */
  handle(client: net.Socket, origin: string): void {
    const { label, metrics } = this.deps;
    client.on('error', () => undefined); // reported where it matters: below, through the relay
    const clientKey = `${origin}|${client.remoteAddress ?? ''}`;
    const failed = new Set<string>();
    const attempt = () => {
      const endpoint = this.deps.balancer.pick(clientKey, this.deps.clock.now(), failed);
      if (!endpoint) {
        metrics.errors.inc({ service: label, reason: failed.size === 0 ? 'no_endpoints' : 'connect' });
        client.resetAndDestroy();
        return;
      }
      const upstream = net.connect({
        host: endpoint.ip,
        port: endpoint.port,
        allowHalfOpen: true,
        noDelay: true,
      });
      upstream.setTimeout(this.deps.connectTimeoutMs ?? 2_000);
      let failedOnce = false;
      const onConnectFailure = (err?: Error) => {
        if (failedOnce) return; // a timeout and an error of the same attempt
        failedOnce = true;
        upstream.destroy();
        failed.add(targetKey(endpoint));
        this.deps.log.debug(
          { service: label, endpoint: targetKey(endpoint), err },
          'endpoint did not accept',
        );
        if (client.destroyed) return;
        attempt();
      };
      upstream.once('error', onConnectFailure);
      upstream.once('timeout', () => onConnectFailure());
      upstream.once('connect', () => {
        upstream.off('error', onConnectFailure);
        upstream.setTimeout(0);
        this.relay(client, upstream, endpoint);
      });
    };
    attempt();
  }

  /** Pipes both ways until both sides are done; counts the bytes at the end. */
  private relay(client: net.Socket, upstream: net.Socket, endpoint: EndpointTarget): void {
    const { label, metrics } = this.deps;
    if (client.destroyed) {
      upstream.destroy();
      return;
    }
    const relay: Relay = { endpoint, client, upstream };
    this.relays.add(relay);
    this.series.connections.inc();
    this.series.active.inc();
    client.setNoDelay(true);
    // pipe() pauses the source while the destination's buffer is full, and ends the destination
    // when the source ends (half-close passes through: both sockets allow half-open).
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
    let broken = false;
    const fail = () => {
      // One side broke: the other cannot finish its half meaningfully. Reset it too.
      if (!broken) metrics.errors.inc({ service: label, reason: 'stream' });
      broken = true;
      client.destroy();
      upstream.destroy();
    };
    client.on('error', fail);
    upstream.on('error', fail);
    let closed = 0;
    const onClose = () => {
      if (++closed < 2) {
        // A peer that closed fully while the other is still half-open: finish the other side.
        return;
      }
      this.relays.delete(relay);
      this.series.active.dec();
      this.series.bytesIn.inc(client.bytesRead);
      this.series.bytesOut.inc(upstream.bytesRead);
    };
    client.once('close', onClose);
    upstream.once('close', onClose);
  }

  /** Connections open to endpoints that are no longer ready (draining). */
  draining(): Relay[] {
    return [...this.relays].filter((r) => !this.deps.balancer.has(r.endpoint));
  }

  /** Resets every open connection (the proxy stopping). */
  destroyAll(): void {
    for (const r of this.relays) {
      r.client.destroy();
      r.upstream.destroy();
    }
  }
}

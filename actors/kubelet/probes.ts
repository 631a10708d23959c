/**
 * Probes, as the kubelet runs them: startup, liveness and readiness, each with exec, httpGet or
 * tcpSocket, and Kubernetes' timing (initialDelaySeconds, periodSeconds, timeoutSeconds,
 * successThreshold, failureThreshold).
 *
 *   running container ──(initial delay)──▶ startup probe until it succeeds
 *                                         └──▶ liveness + readiness every period
 *   liveness (or startup) failing failureThreshold times ──▶ the container is killed (and restarted
 *   per restartPolicy); readiness decides the container's `ready` and with it the pod's Ready.
 *
 * `ProbeTracker` is the bookkeeping (pure, one per container run); `runProbe` does one probe.
 */
import { connect } from 'node:net';
import type { Container } from '../../protocol/resources/container.js';
import type { ContainerRuntime, PortMapping } from './runtimes/runtime.js';

export type ProbeKind = 'startup' | 'liveness' | 'readiness';
type Probe = NonNullable<Container['livenessProbe']>;

/** The probes a container has, by kind. */
export function probesOf(container: Container): Partial<Record<ProbeKind, Probe>> {
  return {
    ...(container.startupProbe ? { startup: container.startupProbe } : {}),
    ...(container.livenessProbe ? { liveness: container.livenessProbe } : {}),
    ...(container.readinessProbe ? { readiness: container.readinessProbe } : {}),
  };
}

/** What one probe result means for the container. */
export type ProbeVerdict = 'kill' | 'ready-changed' | 'none';

/** The state of one container run's probes. */
export class ProbeTracker {
  /** True once the startup probe succeeded (or when there is none). */
  started: boolean;
  /** The readiness result (true without a readiness probe, once started). */
  ready: boolean;
  private readonly failures = new Map<ProbeKind, number>();
  private readonly successes = new Map<ProbeKind, number>();

  constructor(private readonly probes: Partial<Record<ProbeKind, Probe>>) {
    this.started = probes.startup === undefined;
    this.ready = probes.readiness === undefined;
  }

  /** The probes to run now: startup until it succeeds, then liveness and readiness. */
  due(): ProbeKind[] {
    if (!this.started) return ['startup'];
    return (['liveness', 'readiness'] as const).filter((k) => this.probes[k] !== undefined);
  }

  /** Records one result and says what follows from it. */
  record(kind: ProbeKind, ok: boolean): ProbeVerdict {
    const probe = this.probes[kind];
    if (!probe) return 'none';
    if (ok) {
      this.failures.set(kind, 0);
      const successes = (this.successes.get(kind) ?? 0) + 1;
      this.successes.set(kind, successes);
      if (successes < probe.successThreshold) return 'none';
      if (kind === 'startup' && !this.started) {
        this.started = true;
        return this.probes.readiness === undefined ? this.setReady(true) : 'none';
      }
      return kind === 'readiness' ? this.setReady(true) : 'none';
    }
    this.successes.set(kind, 0);
    const failures = (this.failures.get(kind) ?? 0) + 1;
    this.failures.set(kind, failures);
    if (failures < probe.failureThreshold) return 'none';
    if (kind === 'readiness') return this.setReady(false);
    this.failures.set(kind, 0);
    return 'kill';
  }

  private setReady(ready: boolean): ProbeVerdict {
    if (this.ready === ready) return 'none';
    this.ready = ready;
    return 'ready-changed';
  }
}

/** Where a probe reaches the container: the pod's published ports on the node. */
export interface ProbeTarget {
  readonly containerId: string;
  readonly hostIP: string;
  readonly portMappings: readonly PortMapping[];
  /** Named ports of the container (`ports[].name` → containerPort). */
  readonly namedPorts: ReadonlyMap<string, number>;
}

/** Runs one probe; true when it passed. A probe that cannot even run counts as failed. */
export async function runProbe(
  runtime: ContainerRuntime,
  probe: Probe,
  target: ProbeTarget,
): Promise<boolean> {
  const timeoutMs = probe.timeoutSeconds * 1000;
  try {
    if (probe.exec) {
      const result = await runtime.exec(target.containerId, probe.exec.command ?? [], { timeoutMs });
      return result.exitCode === 0;
    }
    if (probe.httpGet) {
      const { host, port } = address(target, probe.httpGet.port, probe.httpGet.host);
      const url = `${probe.httpGet.scheme.toLowerCase()}://${host}:${port}${probe.httpGet.path}`;
      const headers = Object.fromEntries((probe.httpGet.httpHeaders ?? []).map((h) => [h.name, h.value]));
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      await res.body?.cancel();
      return res.status >= 200 && res.status < 400;
    }
    if (probe.tcpSocket) {
      const { host, port } = address(target, probe.tcpSocket.port, probe.tcpSocket.host);
      return await tcpConnects(host, port, timeoutMs);
    }
    return true; // a `sleep` handler only waits: nothing to fail
  } catch (_failure) {
    // Refused, reset, timed out (ExecTimeoutError, an aborted fetch), the container gone: a failed
    // probe, as the kubelet counts it. The result is the report; there is nothing else to tell.
    return false;
  }
}

/** The host address for a container port: its published host port on the node's address. */
function address(target: ProbeTarget, port: number | string, host?: string): { host: string; port: number } {
  const containerPort = typeof port === 'number' ? port : (target.namedPorts.get(port) ?? Number(port));
  const mapping = target.portMappings.find((m) => m.containerPort === containerPort);
  return { host: host ?? mapping?.hostIP ?? target.hostIP, port: mapping?.hostPort ?? containerPort };
}

function tcpConnects(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it, plus a fencing token:
 * the leader's writes carry `{holderIdentity, leaseTransitions}` and the API server applies them
 * only while the Lease still says so, so a paused ex-leader that wakes up cannot write.
 *
 * Expiry is judged on the local clock from when this candidate last saw the Lease change (never by
 * comparing another machine's timestamps), so clock skew between machines does not matter.
 */

import type { FenceToken } from '../api.js';
import type { Clock, Timer } from '../clock.js';
import { isReason } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Lease } from '../resources/lease.js';
import type { ApiClient } from './api-client.js';

export interface LeaderElectionOptions {
  readonly client: ApiClient;
  readonly clock: Clock;
  readonly log: Logger;
  readonly lease: { readonly namespace: string; readonly name: string };
  /** Unique per candidate (host name and a random suffix). */
  readonly identity: string;
  /** How long a lease lasts without renewal (default 15 s, as kube-scheduler). */
  readonly leaseDurationMs?: number;
  /** A leader that could not renew for this long steps down (default 10 s). */
  readonly renewDeadlineMs?: number;
  /** Time between attempts (default 2 s). */
  readonly retryPeriodMs?: number;
  readonly onStartedLeading: (fence: FenceToken) => void;
  readonly onStoppedLeading: () => void;
}

/** Campaigns for a Lease and keeps it while it can. */
export class LeaderElector {
  private observed: { resourceVersion: string; at: number } | undefined;
  private leading: FenceToken | undefined;
  private lastRenew = 0;
  private timer: Timer | undefined;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly options: LeaderElectionOptions) {}

  /** The fencing token while leading. */
  get fence(): FenceToken | undefined {
    return this.leading;
  }

  get isLeader(): boolean {
    return this.leading !== undefined;
  }

  /** Starts campaigning (the first attempt runs at once). */
  start(): void {
    this.tick();
  }

  /** Stops campaigning; a leader gives the lease up so another candidate takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.running;
    if (!this.leading) return;
    try {
      const lease = await this.get();
      if (lease?.spec?.holderIdentity === this.options.identity) {
        await this.options.client.update('leases', { ...lease, spec: { ...lease.spec, holderIdentity: '' } });
      }
    } catch (err) {
      this.options.log.warn({ err: (err as Error).message }, 'could not release the lease');
    }
    this.lose();
  }

  private tick(): void {
    if (this.stopped) return;
    this.running = this.attempt().finally(() => {
      if (!this.stopped) this.timer = this.options.clock.setTimeout(() => this.tick(), this.retryPeriod);
    });
  }

  private get leaseDuration(): number {
    return this.options.leaseDurationMs ?? 15_000;
  }

  private get retryPeriod(): number {
    return this.options.retryPeriodMs ?? 2_000;
  }

  private async attempt(): Promise<void> {
    const now = this.options.clock.now();
    try {
      const held = await this.tryAcquireOrRenew(now);
      if (held) {
        this.lastRenew = now;
        if (!this.leading || this.leading.leaseTransitions !== held.leaseTransitions) {
          this.leading = held;
          this.options.log.info(
            { lease: this.options.lease, transitions: held.leaseTransitions },
            'became leader',
          );
          this.options.onStartedLeading(held);
        }
        return;
      }
      this.lose(); // another candidate holds a lease that has not expired
    } catch (err) {
      // A failed renewal (API down, a conflict) is not yet a lost lease: keep leading until the
      // renew deadline, as client-go does; the fence protects writes in the meantime.
      this.options.log.warn({ err: (err as Error).message }, 'leader election attempt failed');
      if (this.leading && now - this.lastRenew >= (this.options.renewDeadlineMs ?? 10_000)) this.lose();
    }
  }

  /** Returns the fence when this candidate holds the lease after the attempt. */
  private async tryAcquireOrRenew(now: number): Promise<FenceToken | undefined> {
    const { identity } = this.options;
    const lease = await this.get();
    const micro = `${new Date(now).toISOString().slice(0, 23)}000Z`;
    if (!lease) {
      await this.options.client.create('leases', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.options.lease.name, namespace: this.options.lease.namespace },
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: Math.ceil(this.leaseDuration / 1000),
          acquireTime: micro,
          renewTime: micro,
          leaseTransitions: 0,
        },
      });
      return this.token(identity, 0);
    }
    if (this.observed?.resourceVersion !== lease.metadata.resourceVersion) {
      this.observed = { resourceVersion: lease.metadata.resourceVersion ?? '', at: now };
    }
    const holder = lease.spec?.holderIdentity ?? '';
    const transitions = lease.spec?.leaseTransitions ?? 0;
    const expired = (this.observed?.at ?? now) + this.leaseDuration <= now;
    if (holder !== '' && holder !== identity && !expired) return undefined;
    const ours = holder === identity;
    const nextTransitions = ours ? transitions : transitions + 1;
    await this.options.client.update('leases', {
      ...lease,
      spec: {
        ...lease.spec,
        holderIdentity: identity,
        leaseDurationSeconds: Math.ceil(this.leaseDuration / 1000),
        renewTime: micro,
        ...(ours ? {} : { acquireTime: micro }),
        leaseTransitions: nextTransitions,
      },
    });
    return this.token(identity, nextTransitions);
  }

  private async get(): Promise<Lease | undefined> {
    try {
      return await this.options.client.get<Lease>(
        'leases',
        this.options.lease.namespace,
        this.options.lease.name,
      );
    } catch (err) {
      if (isReason(err, 'NotFound')) return undefined;
      throw err;
    }
  }

  private token(holderIdentity: string, leaseTransitions: number): FenceToken {
    return { lease: { ...this.options.lease }, holderIdentity, leaseTransitions };
  }

  private lose(): void {
    if (!this.leading) return;
    this.leading = undefined;
    this.options.log.warn({ lease: this.options.lease }, 'stopped leading');
    this.options.onStoppedLeading();
  }
}

import { afterEach, describe, expect, it } from 'vitest';
import { type InProcessCluster, startInProcessCluster } from '../../actors/apiserver/testing/cluster.js';
import { silentLogger } from '../../actors/kernel/log.js';
import { waitFor } from '../../actors/kernel/testing/wait-for.js';
import type { FenceToken } from '../api.js';
import { SimulatedClock } from '../clock.js';
import { LeaderElector } from './leader-election.js';

const lease = { namespace: 'kube-system', name: 'test-lease' };

describe('LeaderElector', () => {
  let cluster: InProcessCluster;
  const electors: LeaderElector[] = [];
  afterEach(async () => {
    for (const e of electors.splice(0)) await e.stop();
    await cluster.stop();
  });

  function candidate(identity: string, clock: SimulatedClock, log: string[]) {
    const elector = new LeaderElector({
      client: cluster.client,
      clock,
      log: silentLogger(),
      lease,
      identity,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      onStartedLeading: (fence: FenceToken) => log.push(`${identity} leads (${fence.leaseTransitions})`),
      onStoppedLeading: () => log.push(`${identity} stops`),
    });
    electors.push(elector);
    return elector;
  }

  it('lets one candidate lead; another takes over only after the lease expires unrenewed', async () => {
    cluster = await startInProcessCluster();
    // Separate clocks: advancing only b's clock is a, paused, not renewing while b watches.
    const clockA = new SimulatedClock();
    const clockB = new SimulatedClock();
    const log: string[] = [];
    const a = candidate('a', clockA, log);
    const b = candidate('b', clockB, log);
    a.start();
    await waitFor(() => expect(log).toEqual(['a leads (0)']));
    b.start();
    await clockB.advance(2_000);
    await clockB.advance(10_000); // 12 s since b first saw the lease: not expired yet
    expect(b.isLeader).toBe(false);
    await clockB.advance(4_000); // 16 s unchanged: expired
    await waitFor(() => expect(log).toEqual(['a leads (0)', 'b leads (1)']));
    expect(b.fence).toEqual({ lease, holderIdentity: 'b', leaseTransitions: 1 });

    // a wakes up: its next attempt finds a valid lease held by b, and it steps down.
    await clockA.advance(2_000);
    await waitFor(() => expect(log).toEqual(['a leads (0)', 'b leads (1)', 'a stops']));
    expect(a.fence).toBeUndefined();
  });

  it('gives the lease up on stop, so the next candidate leads at once', async () => {
    cluster = await startInProcessCluster();
    const clock = new SimulatedClock();
    const log: string[] = [];
    const a = candidate('a', clock, log);
    a.start();
    await waitFor(() => expect(a.isLeader).toBe(true));
    await a.stop();
    const b = candidate('b', clock, log);
    b.start();
    await waitFor(() => expect(log).toEqual(['a leads (0)', 'a stops', 'b leads (1)']));
  });
});

/**
 * The event path's fault scenarios (actors/apiserver/event-path-contract.ts) on real NATS
 * JetStream: the same scenarios the in-process bus passes, with appends failed or held back on
 * their way to the server (integration/log-faults.ts), fenced by the real server.
 */
import { afterAll, beforeAll } from 'vitest';
import { describeEventPathContract } from '../actors/apiserver/event-path-contract.js';
import { SqliteStore } from '../actors/apiserver/store/sqlite/store.js';
import { NatsBus } from '../actors/kernel/bus/nats.js';
import { silentLogger } from '../actors/kernel/log.js';
import { Subjects } from '../protocol/subjects.js';
import { removeStreams, uniquePrefix } from './cluster.js';
import { describeWithServices, type SharedServices, servicesOrSkip, sharedServices } from './harness.js';
import { withLogFaults } from './log-faults.js';

const skip = await servicesOrSkip({ nats: 'shared' });

describeWithServices('event path under faults on NATS', skip, () => {
  let services: SharedServices;
  beforeAll(async () => {
    services = await sharedServices({ nats: true });
  });
  afterAll(async () => {
    await services.dispose();
  });

  describeEventPathContract('NATS JetStream', async (options) => {
    const url = services.nats?.url ?? '';
    const real = await NatsBus.connect({ servers: url, name: 'event-path-test', log: silentLogger() });
    const faults = withLogFaults(real);
    const store = new SqliteStore({ path: ':memory:', ...options });
    const subjects = new Subjects(uniquePrefix('evpath'));
    return {
      bus: faults.bus,
      store,
      subjects,
      failAppends: faults.failAppends,
      holdAppend: faults.holdAppend,
      async cleanup() {
        await store.close();
        await real.close();
        await removeStreams(url, subjects);
      },
    };
  });
});

/**
 * Test support (run as a child process by controller-manager.test.ts, with tsx): one
 * controller-manager replica on NATS with the real controllers plus a `ticker`, a test controller
 * that writes its own ConfigMap every 100 ms through the fenced client and prints each outcome:
 *
 *   ticker ok <n>          the write landed (the ConfigMap's data.n is now n)
 *   ticker refused <n>     the write was refused (fence, or not leading)
 *
 * Paused with SIGSTOP, the ticker has a write due the moment it resumes: whatever the replica
 * believes about its lease then, the test sees what happened to that write.
 *
 * Environment: NATS_URL, SKIFF_PREFIX, CM_IDENTITY, CM_LEASE_MS.
 */
import { Registry } from 'prom-client';
import { ControllerManager } from '../actors/controllers/manager/manager.js';
import { controllerRegistry } from '../actors/controllers/manager/registry.js';
import { NatsBus } from '../actors/kernel/bus/nats.js';
import type { ControllerDefinition } from '../actors/kernel/controllers.js';
import { createLogger } from '../actors/kernel/log.js';
import { ApiClient } from '../protocol/client/api-client.js';
import { NatsTransport } from '../protocol/client/nats.js';
import { systemClock } from '../protocol/clock.js';
import { isReason } from '../protocol/errors.js';
import { Subjects } from '../protocol/subjects.js';

const identity = process.env.CM_IDENTITY ?? 'cm';
const leaseMs = Number(process.env.CM_LEASE_MS ?? 1_500);
const log = createLogger({ component: 'controller-manager', level: 'info' });
const subjects = new Subjects(process.env.SKIFF_PREFIX ?? 'skiff');
const bus = await NatsBus.connect({ servers: process.env.NATS_URL ?? '', name: identity, log });
const client = new ApiClient(new NatsTransport({ bus, subjects }), { timeoutMs: 1_000 });

/** Writes `kube-system/ticker-<identity>` with an increasing `n`, every 100 ms. */
const ticker: ControllerDefinition = {
  name: 'ticker',
  workers: 1,
  wire(ctx, queue) {
    let n = 0;
    let timer = ctx.clock.setTimeout(function tick() {
      queue.add('tick');
      timer = ctx.clock.setTimeout(tick, 100);
    }, 100);
    const name = `ticker-${identity}`;
    return {
      async sync() {
        n++;
        try {
          await ctx.client
            .patch('configmaps', 'kube-system', name, { data: { n: String(n) } })
            .catch(async (err: unknown) => {
              if (!isReason(err, 'NotFound')) throw err;
              await ctx.client.create('configmaps', {
                apiVersion: 'v1',
                kind: 'ConfigMap',
                metadata: { namespace: 'kube-system', name },
                data: { n: String(n) },
              });
            });
          process.stdout.write(`ticker ok ${n}\n`);
        } catch (err) {
          process.stdout.write(`ticker refused ${n}: ${(err as Error).message}\n`);
        }
      },
      stop: () => timer.cancel(),
    };
  },
};

const manager = new ControllerManager({
  client,
  bus,
  subjects,
  clock: systemClock,
  log,
  registry: new Registry(),
  identity,
  leaderElection: {
    leaseDurationMs: leaseMs,
    renewDeadlineMs: Math.floor(leaseMs * 0.66),
    retryPeriodMs: 200,
  },
  settings: { namespace: { recheckMs: 200 } },
  controllers: (settings) => [...controllerRegistry(settings), ticker],
});
await manager.start();
process.stdout.write(`controller-manager ready ${identity}\n`);

const shutdown = async () => {
  await manager.stop();
  await client.close();
  await bus.close();
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());

import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../protocol/clock.js';
import { silentLogger } from './log.js';
import { restartForever } from './supervision.js';
import { ActorSystem } from './system.js';
import { waitFor } from './testing/wait-for.js';

// The rule for long-lived pieces: restart forever with capped backoff, every restart counted by
// actor name. Time is the simulated clock, advanced by exactly each backoff.

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.stop();
});

describe('restartForever and the restart counter', () => {
  it('restarts a piece that keeps failing far beyond the default escalation, counting each restart', async () => {
    const clock = new SimulatedClock();
    const registry = new Registry();
    const restarts = new Counter({
      name: 'test_actor_restarts_total',
      help: 'restarts',
      labelNames: ['actor'],
      registers: [registry],
    });
    system = new ActorSystem({ clock, log: silentLogger(), random: () => 0.5, restarts });
    const handled: string[] = [];
    const ref = system.spawn<string>(
      'loop',
      () => ({
        receive: (msg) => {
          if (msg === 'boom') throw new Error('transient fault');
          handled.push(msg);
        },
      }),
      { policy: restartForever },
    );
    // Twenty failures in a row: the default policy would have escalated after the sixth.
    for (let i = 0; i < 20; i++) {
      ref.send('boom');
      await waitFor(async () => (await restarts.get()).values[0]?.value === i + 1);
      await clock.advance(30_000); // the cap: no backoff is longer than this
    }
    ref.send('still here');
    await waitFor(() => expect(handled).toEqual(['still here']));
    expect((await restarts.get()).values).toEqual([
      expect.objectContaining({ labels: { actor: 'loop' }, value: 20 }),
    ]);
  });
});

/**
 * The recorder actor: what the scheduler tells users about their pods, written in the background
 * so that scheduling never waits for it: Events (through the SDK's EventRecorder, which folds
 * repeats and drops under pressure, counted) and the `PodScheduled` condition. Its stop hook
 * waits until everything queued was written, so a clean shutdown loses no Event.
 */
import type { ApiClient } from '../../protocol/client/api-client.js';
import { EventRecorder } from '../../protocol/client/recorder.js';
import type { ActorFactory, ActorLogic } from '../kernel/actor.js';
import type { RecorderMsg } from './messages.js';

/** What the recorder actor depends on. */
export interface RecorderDeps {
  readonly client: ApiClient;
  /** `source.component` of the Events: the scheduler's name. */
  readonly component: string;
  /** `reportingInstance`: this replica's identity. */
  readonly instance: string;
}

/** The factory of the recorder actor. */
export function recorderActor(deps: RecorderDeps): ActorFactory<RecorderMsg> {
  return (): ActorLogic<RecorderMsg> => {
    let events: EventRecorder | undefined;
    const writes = new Set<Promise<void>>();
    return {
      start(ctx) {
        events = new EventRecorder({
          client: deps.client,
          clock: ctx.clock,
          log: ctx.log,
          component: deps.component,
          instance: deps.instance,
        });
      },
      receive(msg, ctx) {
        if (msg.type === 'event') {
          events?.event(msg.involved, msg.eventType, msg.reason, msg.message);
          return;
        }
        // Not awaited: one slow write must not hold up the Events behind it. Kept until it settles
        // so that the stop hook can wait for it.
        const write = deps.client
          .patch(
            'pods',
            msg.namespace,
            msg.name,
            { status: { conditions: msg.conditions } },
            'application/merge-patch+json',
            { subresource: 'status' },
          )
          .then(
            () => undefined,
            (err: Error) =>
              ctx.log.warn(
                { pod: `${msg.namespace}/${msg.name}`, err: err.message },
                'could not update PodScheduled',
              ),
          );
        writes.add(write);
        void write.finally(() => writes.delete(write));
      },
      async stop() {
        await Promise.all(writes);
        await events?.flush();
      },
    };
  };
}

/**
 * The scheduler's informers, each run inside a supervised actor. An informer lists and watches
 * on its own (relisting with backoff when a watch ends); the actor owns its lifecycle, forwards
 * every change to the scheduling actor as a message, and answers `replay` when the scheduling
 * actor restarted empty.
 *
 *   API ──list+watch──▶ Informer ──add/update/delete──▶ {type: 'pod'|'node', change} ──▶ scheduling
 *                           └── first list done ──▶ {type: 'synced', keys} ──▶ scheduling
 *
 * After every list it hands over the informer's whole key set (`synced`): whatever the scheduling
 * actor holds outside it was deleted while nobody watched (an informer that restarted lists anew
 * and never sees those deletes), so the two converge whichever of them restarted.
 */
import type { ApiClient } from '../../protocol/client/api-client.js';
import { Informer, objectKeyOf } from '../../protocol/client/informer.js';
import type { Node } from '../../protocol/resources/node.js';
import type { Pod } from '../../protocol/resources/pod.js';
import type { ActorFactory, ActorLogic, ActorRef } from '../kernel/actor.js';
import type { Change, InformerMsg, SchedulingMsg, WatchedResource } from './messages.js';

/**
 * The informer the running instance holds, read by others as a lister. Reads come out `Readonly`:
 * the informer's cache is shared, and nobody edits it (clone first).
 */
export class InformerHolder<T extends Pod | Node> {
  current: Informer<T> | undefined;

  /** The cached object under `namespace/name` (or `name`), if the informer holds it. */
  getByKey(key: string): Readonly<T> | undefined {
    return this.current?.getByKey(key);
  }
}

/** What an informer actor depends on. */
export interface InformerActorDeps<T extends Pod | Node> {
  readonly resource: WatchedResource;
  readonly client: ApiClient;
  readonly holder: InformerHolder<T>;
  /** Wraps a change in the scheduling actor's message (`{type: 'pod', change}`, ...). */
  readonly toMessage: (change: Change<T>) => SchedulingMsg;
  /** The scheduling actor, spawned before the informers. */
  readonly scheduling: ActorRef<SchedulingMsg>;
  /** Called after each list an instance completes (the Scheduler awaits the first ones). */
  readonly onListed?: () => void;
}

/** The factory of an informer actor for `deps.resource`. */
export function informerActor<T extends Pod | Node>(deps: InformerActorDeps<T>): ActorFactory<InformerMsg> {
  let instances = 0;
  return (): ActorLogic<InformerMsg> => {
    const instance = ++instances;
    let informer: Informer<T> | undefined;
    const forward = (change: Change<T>) => deps.scheduling.send(deps.toMessage(change));
    const handOver = () => {
      if (!informer) return;
      const keys = new Set(informer.list().map(objectKeyOf));
      deps.scheduling.send({ type: 'synced', resource: deps.resource, keys });
    };
    return {
      start(ctx) {
        informer = new Informer<T>({
          client: deps.client,
          resource: deps.resource,
          clock: ctx.clock,
          log: ctx.log,
        });
        informer.on({
          add: (obj) => forward({ kind: 'add', obj }),
          update: (old, obj) => forward({ kind: 'update', old, obj }),
          delete: (obj) => forward({ kind: 'delete', obj }),
        });
        deps.holder.current = informer;
        // Not awaited here: the first list waits for the API as long as it takes, and a start hook
        // that never returned would make the actor unstoppable. The list's end arrives as a message.
        void informer.start().then(() => ctx.self.send({ type: 'listed', instance }));
      },
      receive(msg) {
        if (msg.type === 'listed') {
          if (msg.instance !== instance) return; // a previous instance's list
          handOver();
          deps.onListed?.();
          return;
        }
        // replay: the scheduling actor restarted empty. Before the first list there is nothing
        // to replay: the list's own adds and `synced` are on their way.
        if (!informer?.hasSynced) return;
        for (const obj of informer.list()) forward({ kind: 'add', obj });
        handOver();
      },
      async stop() {
        await informer?.stop();
      },
    };
  };
}

/**
 * The messages between the scheduler's actors (see scheduler.ts for the picture). Every one is a
 * plain object; objects from the informers arrive `Readonly` and are never edited in place.
 */
import type { FenceToken } from '../../protocol/api.js';
import type { EventType, InvolvedObject } from '../../protocol/client/recorder.js';
import type { Condition } from '../../protocol/meta.js';
import type { Node } from '../../protocol/resources/node.js';
import type { Pod } from '../../protocol/resources/pod.js';
import type { QueuedPod } from './queue/queue.js';

/** One informer change, as client-go's handler funcs see it. */
export type Change<T> =
  | { readonly kind: 'add'; readonly obj: Readonly<T> }
  | { readonly kind: 'update'; readonly old: Readonly<T>; readonly obj: Readonly<T> }
  | { readonly kind: 'delete'; readonly obj: Readonly<T> };

/** The resources the scheduler watches. */
export type WatchedResource = 'pods' | 'nodes';

/**
 * To the scheduling actor. `generation` tags what an instance sent itself or asked of others
 * (pops, binds, cleanup ticks): after a restart, answers meant for the previous instance (whose
 * queue and cache are gone) are recognised and dropped.
 */
export type SchedulingMsg =
  | { readonly type: 'pod'; readonly change: Change<Pod> }
  | { readonly type: 'node'; readonly change: Change<Node> }
  /** An informer listed: `keys` is its whole cache; anything else the scheduler holds is gone. */
  | { readonly type: 'synced'; readonly resource: WatchedResource; readonly keys: ReadonlySet<string> }
  | { readonly type: 'leading'; readonly fence: FenceToken | undefined }
  | { readonly type: 'following' }
  | { readonly type: 'popped'; readonly qp: QueuedPod; readonly generation: number }
  | {
      readonly type: 'bound';
      readonly qp: QueuedPod;
      readonly node: string;
      readonly bindMs: number;
      readonly generation: number;
    }
  | {
      readonly type: 'bind-failed';
      readonly qp: QueuedPod;
      readonly node: string;
      readonly error: Error & { readonly reason?: string };
      readonly generation: number;
    }
  | { readonly type: 'cleanup-assumed'; readonly generation: number }
  /** Shutdown begins: schedule nothing more, let binds in flight report back. */
  | { readonly type: 'quiesce' };

/** To the binder pool: bind `qp` to `node` with the fence the decision was made under. */
export interface BindMsg {
  readonly type: 'bind';
  readonly qp: QueuedPod;
  readonly node: string;
  readonly fence: FenceToken | undefined;
  readonly generation: number;
}

/** To the recorder: what users read about their pods. */
export type RecorderMsg =
  | {
      readonly type: 'event';
      readonly involved: InvolvedObject;
      readonly eventType: EventType;
      readonly reason: string;
      readonly message: string;
    }
  | {
      readonly type: 'pod-conditions';
      readonly namespace: string;
      readonly name: string;
      readonly conditions: readonly Condition[];
    };

/** To an informer actor: replay your whole cache (the scheduling actor restarted empty). */
export type InformerMsg =
  | { readonly type: 'replay' }
  | { readonly type: 'listed'; readonly instance: number };

/** To the elector actor: tell the scheduling actor whether this replica leads. */
export type ElectorMsg = { readonly type: 'report' };

/**
 * Kubelet heartbeats from the bus (`skiff.node.*.heartbeat`), decoded once here, where the bytes
 * leave the bus, and handed to the node lifecycle controller as node names.
 */
import { z } from 'zod';
import type { Bus } from '../../../protocol/bus.js';
import type { Subjects } from '../../../protocol/subjects.js';
import type { Logger } from '../../kernel/log.js';
import type { HeartbeatSource } from '../nodelifecycle/controller.js';

/** What a kubelet publishes (actors/kubelet/kubelet.ts): its node's name and its own time. */
const HeartbeatSchema = z.object({ node: z.string().min(1), time: z.string().optional() });

/** A heartbeat source on `bus`: one subscription per `subscribe`, dropped on `stop`. */
export function busHeartbeats(bus: Bus, subjects: Subjects, log: Logger): HeartbeatSource {
  return {
    subscribe(onHeartbeat) {
      let malformed = 0;
      const subscription = bus.subscribe(subjects.nodeHeartbeats(), (msg) => {
        const node = decodeHeartbeat(msg.text());
        if (node === undefined) {
          // Dropped, counted and logged now and then: a stray publisher must not flood the log.
          if (malformed++ % 100 === 0)
            log.warn({ subject: msg.subject, malformed }, 'malformed heartbeat dropped');
          return;
        }
        onHeartbeat(node);
      });
      return { stop: () => subscription.unsubscribe() };
    },
  };
}

/** The node a heartbeat is from, or undefined when the payload is not a heartbeat. */
export function decodeHeartbeat(text: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined; // not JSON: the caller counts and logs it
  }
  const parsed = HeartbeatSchema.safeParse(json);
  return parsed.success ? parsed.data.node : undefined;
}

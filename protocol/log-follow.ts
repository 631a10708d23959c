/**
 * Following a container's log over the bus (`kubectl logs -f`), the reader's side. A log has no
 * end while the container runs, so it cannot be one request/reply: the reader picks a stream id,
 * subscribes to the stream's subject, then asks the kubelet, which accepts (or refuses with a
 * Status) and publishes the text as numbered chunks until the container stops.
 *
 *   reader                                          kubelet
 *     subscribe skiff.node.<n>.logs.<id>
 *     request   skiff.node.<n>.logs {follow, stream: id} ──▶ accept | Status
 *               ◀── {type: text|heartbeat, seq} ... {type: end, seq, status?}
 *     publish   skiff.node.<n>.logs.<id>.control {keepalive} every interval; {cancel} when done
 *
 * Both ends watch the other: the kubelet stops following when keepalives stop (the reader went
 * away without a word), and the reader fails with 503 when neither text nor heartbeats arrive for
 * three intervals (the kubelet or its node went away). Core NATS keeps one publisher's order but
 * may drop messages under a slow consumer; the sequence numbers turn a gap into an error instead
 * of a silently missing line.
 */
import { randomBytes } from 'node:crypto';
import type { Bus } from './bus.js';
import type { Clock, Timer } from './clock.js';
import { errorFromStatus, internal, NoRespondersError, unavailable } from './errors.js';
import {
  LOG_FOLLOW_HEARTBEAT_MS,
  type PodLogChunk,
  PodLogChunkSchema,
  type PodLogControl,
  type PodLogReply,
  type PodLogRequest,
} from './kubelet.js';
import type { Subjects } from './subjects.js';

/** What following needs. */
export interface FollowLogDeps {
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly clock: Clock;
  /** Keepalive interval (default LOG_FOLLOW_HEARTBEAT_MS); three silent ones end the stream. */
  readonly heartbeatMs?: number;
  /** How long the kubelet may take to accept (default 10 s). */
  readonly requestTimeoutMs?: number;
}

/** Hooks of one follow. */
export interface FollowLogHandlers {
  /** Each chunk of text, in order. */
  readonly onText: (text: string) => void;
  /** The kubelet accepted: text follows (an HTTP face sends its headers now). */
  readonly onAccepted?: () => void;
}

/** The request, without what following adds to it. */
export type FollowLogRequest = Omit<PodLogRequest, 'follow' | 'stream'>;

/**
 * Follows a container's log on `node`, handing each chunk of text to `handlers.onText`. Resolves when the
 * container stops or `signal` aborts; rejects with the kubelet's Status (400, 404, ...) or 503
 * when the kubelet cannot be reached or goes silent.
 */
export function followPodLog(
  deps: FollowLogDeps,
  node: string,
  request: FollowLogRequest,
  handlers: FollowLogHandlers,
  signal?: AbortSignal,
): Promise<void> {
  const { onText } = handlers;
  const heartbeatMs = deps.heartbeatMs ?? LOG_FOLLOW_HEARTBEAT_MS;
  const stream = randomBytes(12).toString('hex');
  const control = deps.subjects.nodeLogStreamControl(node, stream);
  const tell = (message: PodLogControl) => deps.bus.publish(control, JSON.stringify(message));

  return new Promise<void>((resolve, reject) => {
    let expected = 0;
    let lastHeard = deps.clock.now();
    let timer: Timer | undefined;
    let finished = false;
    const finish = (error?: Error) => {
      if (finished) return;
      finished = true;
      timer?.cancel();
      subscription.unsubscribe();
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => {
      tell({ type: 'cancel' });
      finish();
    };

    const subscription = deps.bus.subscribe(deps.subjects.nodeLogStream(node, stream), (msg) => {
      if (finished) return;
      const chunk = decodeChunk(msg.text());
      if (!chunk) {
        tell({ type: 'cancel' });
        return finish(internal(`the kubelet of node ${node} sent an invalid log chunk`));
      }
      if (chunk.seq !== expected) {
        tell({ type: 'cancel' });
        return finish(
          unavailable(
            `the log stream from node ${node} lost messages (expected ${expected}, got ${chunk.seq})`,
          ),
        );
      }
      expected++;
      lastHeard = deps.clock.now();
      if (chunk.type === 'text') onText(chunk.text);
      else if (chunk.type === 'end') finish(chunk.status ? errorFromStatus(chunk.status) : undefined);
    });

    const tick = () => {
      if (finished) return;
      if (deps.clock.now() - lastHeard > 3 * heartbeatMs) {
        tell({ type: 'cancel' });
        return finish(unavailable(`the kubelet of node ${node} stopped streaming the log`));
      }
      tell({ type: 'keepalive' });
      timer = deps.clock.setTimeout(tick, heartbeatMs);
    };
    timer = deps.clock.setTimeout(tick, heartbeatMs);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });

    deps.bus
      .request(deps.subjects.nodeLogs(node), JSON.stringify({ ...request, follow: true, stream }), {
        timeoutMs: deps.requestTimeoutMs ?? 10_000,
      })
      .then((reply) => {
        const answer = JSON.parse(reply.text()) as PodLogReply;
        if (!answer.ok) finish(errorFromStatus(answer.status));
        else if (!finished) handlers.onAccepted?.();
      })
      .catch((err: unknown) => {
        if (err instanceof NoRespondersError) {
          finish(unavailable(`the kubelet of node ${node} does not answer`));
        } else finish(err instanceof Error ? err : new Error(String(err)));
      });
  });
}

/** A chunk as the kubelet sent it, or undefined when it is not one (not JSON, or not the shape). */
function decodeChunk(text: string): PodLogChunk | undefined {
  try {
    const parsed = PodLogChunkSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch (_notJson) {
    // Not JSON at all: the same answer as a wrong shape, and the caller reports it.
    return undefined;
  }
}

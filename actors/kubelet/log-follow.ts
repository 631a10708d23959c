/**
 * Following a container's log for a reader on the bus (`kubectl logs -f`), the kubelet's side of
 * `protocol/log-follow.ts`: it reads the container's log from the runtime with `follow`, and
 * publishes the lines as numbered chunks on the stream's subject until the container stops, the
 * reader cancels, or the reader's keepalives stop (it went away without a word).
 *
 * Lines that arrive together go out as one chunk (flushed on the next turn of the event loop), cut
 * below the bus's payload limit; a quiet container still gets a heartbeat every interval.
 */
import type { Bus, Subscription } from '../../protocol/bus.js';
import type { Clock, Timer } from '../../protocol/clock.js';
import { badRequest, internal, unavailable } from '../../protocol/errors.js';
import {
  LOG_FOLLOW_HEARTBEAT_MS,
  type PodLogChunk,
  PodLogControlSchema,
  type PodLogRequest,
} from '../../protocol/kubelet.js';
import type { Subjects } from '../../protocol/subjects.js';
import type { Logger } from '../kernel/log.js';
import { chooseContainer } from './logs.js';
import type { ContainerRuntime, LogStream } from './runtimes/runtime.js';

/** What a follower needs. */
export interface LogFollowDeps {
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly node: string;
  readonly runtime: ContainerRuntime;
  readonly clock: Clock;
  readonly log: Logger;
  readonly heartbeatMs?: number;
}

/** A log being followed for one reader. */
export interface LogFollower {
  /** Resolves when the follower has ended, for whatever reason. */
  readonly ended: Promise<void>;
  /** Ends it now (the kubelet stops): the reader gets an `end` with a 503. */
  close(): Promise<void>;
}

/**
 * Starts following the log `request` names. Throws an ApiError (nothing published yet) when the
 * request cannot be served: no such container, several containers and none named.
 */
export async function startLogFollow(deps: LogFollowDeps, request: PodLogRequest): Promise<LogFollower> {
  if (!request.stream) throw badRequest('following a log needs a stream id');
  const heartbeatMs = deps.heartbeatMs ?? LOG_FOLLOW_HEARTBEAT_MS;
  const containers = await deps.runtime.listContainers({ podUid: request.podUid });
  const current = chooseContainer(containers, request.name, request.container);
  const run = request.previous
    ? containers.find((c) => c.name === current.name && c.attempt === current.attempt - 1)
    : current;
  if (!run) {
    throw badRequest(`previous terminated container "${current.name}" in pod "${request.name}" not found`);
  }

  const subject = deps.subjects.nodeLogStream(deps.node, request.stream);
  const maxChunk = Math.max(1024, deps.bus.maxPayload - 4 * 1024);
  let seq = 0;
  let pending = '';
  let flushQueued = false;
  let lastKeepalive = deps.clock.now();
  let heartbeat: Timer | undefined;
  let logStream: LogStream | undefined;
  let control: Subscription | undefined;
  let resolveEnded!: () => void;
  const ended = new Promise<void>((resolve) => {
    resolveEnded = resolve;
  });
  let over = false;

  const send = (chunk: PodLogChunk) => deps.bus.publish(subject, JSON.stringify(chunk));
  const flush = () => {
    flushQueued = false;
    while (pending.length > 0) {
      // Cut by characters at a size whose UTF-8 bytes surely fit (at most 4 bytes each).
      const piece = pending.slice(0, Math.floor(maxChunk / 4));
      pending = pending.slice(piece.length);
      send({ type: 'text', seq: seq++, text: piece });
    }
  };
  const end = async (status?: ReturnType<typeof internal>['status']) => {
    if (over) return;
    over = true;
    heartbeat?.cancel();
    control?.unsubscribe();
    flush();
    send({ type: 'end', seq: seq++, ...(status ? { status } : {}) });
    await logStream?.close();
    resolveEnded();
  };

  control = deps.bus.subscribe(deps.subjects.nodeLogStreamControl(deps.node, request.stream), (msg) => {
    try {
      const parsed = PodLogControlSchema.safeParse(JSON.parse(msg.text()));
      if (!parsed.success)
        return void deps.log.warn({ stream: request.stream }, 'invalid log control message');
      if (parsed.data.type === 'keepalive') lastKeepalive = deps.clock.now();
      else void end();
    } catch (err) {
      deps.log.warn({ err, stream: request.stream }, 'log control message is not JSON');
    }
  });
  const beat = () => {
    if (over) return;
    if (deps.clock.now() - lastKeepalive > 3 * heartbeatMs) {
      deps.log.info({ stream: request.stream, pod: request.name }, 'log reader went away; stopped following');
      return void end();
    }
    flush();
    send({ type: 'heartbeat', seq: seq++ });
    heartbeat = deps.clock.setTimeout(beat, heartbeatMs);
  };
  heartbeat = deps.clock.setTimeout(beat, heartbeatMs);

  try {
    logStream = await deps.runtime.logs(
      run.id,
      {
        follow: true,
        ...(request.tailLines !== undefined ? { tailLines: request.tailLines } : {}),
        ...(request.sinceSeconds !== undefined
          ? { sinceMs: deps.clock.now() - request.sinceSeconds * 1000 }
          : {}),
      },
      (line) => {
        if (over) return;
        pending += `${line}\n`;
        if (!flushQueued) {
          flushQueued = true;
          setImmediate(flush);
        }
      },
    );
  } catch (err) {
    await end(internal(`reading the log failed: ${(err as Error).message}`).status);
    throw err;
  }
  // The container stopped (or the stream was closed): the reader's log is complete.
  void logStream.done.then(
    () => end(),
    (err: unknown) => end(internal(`following the log failed: ${(err as Error).message}`).status),
  );
  return {
    ended,
    close: () => end(unavailable('the kubelet is stopping').status).then(() => ended),
  };
}

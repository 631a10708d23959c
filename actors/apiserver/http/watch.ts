/**
 * `?watch=1` streams: newline-delimited `{"type":…,"object":…}` events from the server's event
 * log, produced by the same `watchLog` the NATS transport runs in clients, with its `get` and
 * `list` answered by the request handler. So an HTTP watcher sees exactly what a bus watcher sees.
 *
 * - A position too old at start is answered 410 with an Expired Status (nothing streamed yet);
 *   an expiry while streaming is sent as an ERROR event carrying that Status, and the stream ends.
 * - The stream ends after `timeoutSeconds`, when the client goes away (the log reader is closed),
 *   and when the face shuts down.
 * - A slow client slows only its own watch: each event waits for the socket to drain.
 */
import type { ServerResponse } from 'node:http';
import type { ObjectList, WatchEvent } from '../../../protocol/api.js';
import type { EventLog } from '../../../protocol/bus.js';
import type { Clock } from '../../../protocol/clock.js';
import { errorFromStatus, toApiError } from '../../../protocol/errors.js';
import type { AnyObject } from '../../../protocol/resources/registry.js';
import type { Subjects } from '../../../protocol/subjects.js';
import { listAllPages } from '../../../protocol/watch/list-pages.js';
import { type LogWatchDeps, watchLog } from '../../../protocol/watch/log-watch.js';
import type { Watch, WatchOptions } from '../../../protocol/watch/watch.js';
import type { Logger } from '../../kernel/log.js';
import type { Handler } from '../handler.js';
import type { ApiMetrics } from '../metrics.js';
import { RawJson } from '../objects.js';

/** What serving watches needs from the API server. */
export interface WatchContext {
  readonly events: EventLog;
  readonly subjects: Subjects;
  readonly clock: Clock;
  readonly handler: Handler;
  readonly metrics: ApiMetrics;
  readonly log: Logger;
  /** BOOKMARK interval when a client allows bookmarks (default: watchLog's, one minute). */
  readonly bookmarkMs?: number;
}

/** One watch request, as mapped from the HTTP request. */
export interface WatchRequest {
  readonly watch: WatchOptions;
  readonly timeoutSeconds?: number;
  /** Re-renders an event's object (server-side printing as a Table), or leaves it as it is. */
  readonly render: (event: WatchEvent) => WatchEvent;
  /** Aborted when the face shuts down. */
  readonly shutdown: AbortSignal;
}

/** Streams a watch until it times out, fails, the client leaves or the face shuts down. */
export async function serveWatch(ctx: WatchContext, res: ServerResponse, w: WatchRequest): Promise<void> {
  const resource = w.watch.resource;
  const gone = new Promise<void>((resolve) => res.once('close', () => resolve()));
  const startStream = () => {
    if (res.headersSent) return;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
  };
  const write = async (event: WatchEvent): Promise<void> => {
    if (res.destroyed || res.writableEnded) return;
    startStream();
    ctx.metrics.watchEvents.inc({ resource });
    // Wait for the socket when its buffer is full (or for the client to leave): backpressure.
    if (!res.write(`${JSON.stringify(w.render(event))}\n`)) {
      await Promise.race([new Promise<void>((resolve) => res.once('drain', () => resolve())), gone]);
    }
  };

  let watch: Watch;
  try {
    watch = await watchLog(logDeps(ctx), w.watch, write);
  } catch (err) {
    // Nothing streamed yet: the failure (410 Expired, 400 bad selector) is an HTTP answer.
    if (!res.headersSent) throw err;
    await write({ type: 'ERROR', object: toApiError(err).status });
    res.end();
    return;
  }
  startStream();
  ctx.metrics.watchers.inc({ resource });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    if (w.timeoutSeconds !== undefined) timer = setTimeout(() => resolve('timeout'), w.timeoutSeconds * 1000);
  });
  let onShutdown: () => void = () => undefined;
  const shutdown = new Promise<'shutdown'>((resolve) => {
    onShutdown = () => resolve('shutdown');
    if (w.shutdown.aborted) onShutdown();
    w.shutdown.addEventListener('abort', onShutdown, { once: true });
  });
  try {
    const outcome = await Promise.race([
      watch.closed.then((err) => ({ err })),
      gone.then(() => 'gone' as const),
      timedOut,
      shutdown,
    ]);
    if (typeof outcome === 'object' && outcome.err) {
      ctx.log.debug({ resource, err: outcome.err.message }, 'watch ended by the event log');
      await write({ type: 'ERROR', object: toApiError(outcome.err).status });
    }
  } finally {
    if (timer) clearTimeout(timer);
    // One face-wide signal serves every watch: a listener left behind would outlive its watch.
    w.shutdown.removeEventListener('abort', onShutdown);
    ctx.metrics.watchers.dec({ resource });
    // End the response before closing the reader: a delivery blocked on a full socket returns
    // only once the response is gone, and closing the reader waits for that delivery.
    if (res.writableNeedDrain) res.destroy();
    else if (!res.writableEnded) res.end();
    await watch.close();
  }
}

/** The log watch's reads, answered by the handler: the same verbs the bus serves. */
function logDeps(ctx: WatchContext): LogWatchDeps {
  return {
    log: ctx.events,
    subjects: ctx.subjects,
    clock: ctx.clock,
    ...(ctx.bookmarkMs !== undefined ? { bookmarkMs: ctx.bookmarkMs } : {}),
    get: async (resource, namespace, name) => {
      const r = await ctx.handler({ verb: 'get', resource, namespace, name });
      if (r.ok) return plain(r.body) as AnyObject;
      if (r.status.code === 404) return undefined;
      throw errorFromStatus(r.status);
    },
    // Every page, as one snapshot (pages are cut by bytes even without a limit), so the watch
    // sends each existing object once, at the snapshot's revision.
    list: (o) =>
      listAllPages<AnyObject>(
        async (token) => {
          const r = await ctx.handler({
            verb: 'list',
            resource: o.resource,
            ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
            options: {
              ...(o.labelSelector ? { labelSelector: o.labelSelector } : {}),
              ...(o.fieldSelector ? { fieldSelector: o.fieldSelector } : {}),
              ...(token ? { continue: token } : {}),
            },
          });
          if (!r.ok) throw errorFromStatus(r.status);
          return plain(r.body) as ObjectList<AnyObject>;
        },
        {
          clock: ctx.clock,
          onRestart: (restart, retryInMs, err) =>
            ctx.log.info(
              { resource: o.resource, restart, retryInMs, err: err.message },
              'watch list expired while paging; listing again',
            ),
        },
      ),
  };
}

/** A handler body as a plain value (stored JSON parsed). */
export function plain(body: unknown): unknown {
  return body instanceof RawJson ? (JSON.parse(body.json) as unknown) : body;
}

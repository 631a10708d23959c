/**
 * The NATS transport: requests go to `skiff.api.<verb>.<resource>` (answered by any API server
 * replica in the queue group) and watches read the JetStream event log directly, so watchers add
 * no load to the API server.
 */

import type { ApiRequest, ApiResponse, ObjectList } from '../api.js';
import type { Bus, EventLog } from '../bus.js';
import { type Clock, systemClock } from '../clock.js';
import {
  ApiError,
  badRequest,
  errorFromStatus,
  NoRespondersError,
  RequestTimeoutError,
  tooLarge,
  unavailable,
} from '../errors.js';
import { type FollowLogHandlers, followPodLog } from '../log-follow.js';
import type { Pod } from '../resources/pod.js';
import type { AnyObject } from '../resources/registry.js';
import type { Subjects } from '../subjects.js';
import { listAllPages } from '../watch/list-pages.js';
import { watchLog } from '../watch/log-watch.js';
import type { Watch, WatchHandler, WatchOptions } from '../watch/watch.js';
import type { Transport } from './transport.js';

export interface NatsTransportOptions {
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly clock?: Clock;
  /** Default request timeout (default 10 s). */
  readonly timeoutMs?: number;
  readonly bookmarkMs?: number;
}

/** Talks to the API server over the bus. */
export class NatsTransport implements Transport {
  private log: Promise<EventLog> | undefined;

  constructor(private readonly options: NatsTransportOptions) {}

  async request(request: ApiRequest, overrides: { timeoutMs?: number } = {}): Promise<ApiResponse> {
    const subject = this.options.subjects.api(request.verb, request.resource, request.subresource);
    const body = JSON.stringify({
      namespace: request.namespace,
      name: request.name,
      body: request.body,
      patchType: request.patchType,
      options: request.options,
    });
    const timeoutMs = overrides.timeoutMs ?? this.options.timeoutMs ?? 10_000;
    try {
      const reply = await this.options.bus.request(subject, body, { timeoutMs });
      return decodeResponse(reply.text());
    } catch (err) {
      return { ok: false, status: transportError(subject, timeoutMs, err).status };
    }
  }

  /**
   * Over the bus a log is followed from the kubelet itself: the pod (read through the API) names its
   * node, and the kubelet streams on its node's subjects (`protocol/log-follow.ts`).
   */
  async followLog(request: ApiRequest, handlers: FollowLogHandlers, signal: AbortSignal): Promise<void> {
    const got = await this.request({
      verb: 'get',
      resource: 'pods',
      namespace: request.namespace,
      name: request.name,
    });
    if (!got.ok) throw errorFromStatus(got.status);
    const pod = got.body as Pod;
    const o = request.options ?? {};
    if (!pod.spec.nodeName) {
      throw badRequest(
        `container "${o.container ?? ''}" in pod "${request.name}" is waiting to start: ContainerCreating`,
      );
    }
    const clock = this.options.clock ?? systemClock;
    await followPodLog(
      { bus: this.options.bus, subjects: this.options.subjects, clock },
      pod.spec.nodeName,
      {
        namespace: pod.metadata.namespace ?? 'default',
        name: pod.metadata.name ?? '',
        podUid: pod.metadata.uid ?? '',
        ...(o.container !== undefined ? { container: o.container } : {}),
        ...(o.tailLines !== undefined ? { tailLines: o.tailLines } : {}),
        ...(o.sinceSeconds !== undefined ? { sinceSeconds: o.sinceSeconds } : {}),
        ...(o.previous !== undefined ? { previous: o.previous } : {}),
      },
      handlers,
      signal,
    );
  }

  async watch(options: WatchOptions, handler: WatchHandler): Promise<Watch> {
    // Opened once and shared; a failed open (the log missing while NATS recovers) is not kept.
    this.log ??= this.options.bus.log(this.options.subjects.eventsStream());
    const opening = this.log;
    const log = await opening.catch((err: unknown) => {
      if (this.log === opening) this.log = undefined;
      throw err;
    });
    return watchLog(
      {
        log,
        subjects: this.options.subjects,
        clock: this.options.clock ?? systemClock,
        ...(this.options.bookmarkMs !== undefined ? { bookmarkMs: this.options.bookmarkMs } : {}),
        get: async (resource, namespace, name) => {
          const r = await this.request({ verb: 'get', resource, namespace, name });
          if (r.ok) return r.body as AnyObject;
          if (r.status.code === 404) return undefined;
          throw errorFromStatus(r.status);
        },
        list: async (o) => {
          // Paged, so every reply fits in one bus message; the pages are one snapshot, so the
          // watch sends each existing object once, at the snapshot's revision.
          return listAllPages<AnyObject>(
            async (token) => {
              const r = await this.request({
                verb: 'list',
                resource: o.resource,
                namespace: o.namespace,
                options: {
                  labelSelector: o.labelSelector,
                  fieldSelector: o.fieldSelector,
                  limit: 500,
                  ...(token ? { continue: token } : {}),
                },
              });
              if (!r.ok) throw errorFromStatus(r.status);
              return r.body as ObjectList<AnyObject>;
            },
            { clock: this.options.clock ?? systemClock },
          );
        },
      },
      options,
      handler,
    );
  }

  /** The bus belongs to the caller; the transport holds nothing else open. */
  async close(): Promise<void> {
    // Nothing to release: watches are closed by their owners, and the bus is closed by whoever opened it.
  }
}

/** Parses a reply, refusing anything that is not an API response. */
function decodeResponse(text: string): ApiResponse {
  const value = JSON.parse(text) as unknown;
  if (typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean') {
    return value as ApiResponse;
  }
  throw new ApiError('InternalError', 'the API server sent a reply that is not an API response');
}

/** Bus failures as the Status a client branches on: unavailable and timeouts are retryable. */
function transportError(subject: string, timeoutMs: number, err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof NoRespondersError) return unavailable(`no API server is answering on ${subject}`, err);
  if (err instanceof RequestTimeoutError) {
    return new ApiError('Timeout', `the API server did not answer within ${timeoutMs} ms`, undefined, {
      cause: err,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  if (/max(imum)?[ _]?payload/i.test(message)) {
    return tooLarge(`the request is larger than the bus allows (NATS max_payload): ${message}`);
  }
  return unavailable(`the bus failed: ${message}`, err);
}

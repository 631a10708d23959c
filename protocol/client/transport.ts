/**
 * A transport carries API requests and watches to an API server: over NATS (`nats.ts`) or over
 * the HTTP face (`http.ts`). `ApiClient` is written once on top of either.
 */
import type { ApiRequest, ApiResponse } from '../api.js';
import type { FollowLogHandlers } from '../log-follow.js';
import type { Watch, WatchHandler, WatchOptions } from '../watch/watch.js';

export interface Transport {
  /** Sends one request and returns the server's answer (errors as `{ok: false, status}`). */
  request(request: ApiRequest, options?: { timeoutMs?: number }): Promise<ApiResponse>;
  /** Opens a watch. An `Expired` position ends it with an ApiError whose reason is `Expired`. */
  watch(options: WatchOptions, handler: WatchHandler): Promise<Watch>;
  /**
   * Follows a pod's log (`pods/log` with `follow`) until its container stops or `signal` aborts;
   * rejects with the server's Status as an ApiError.
   */
  followLog(request: ApiRequest, handlers: FollowLogHandlers, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

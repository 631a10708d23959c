/**
 * A transport carries API requests and watches to an API server: over NATS (`nats.ts`) or over
 * the HTTP face (`http.ts`). `ApiClient` is written once on top of either.
 */
import type { ApiRequest, ApiResponse, WatchEvent } from '../api.js';

/** What a watch selects. `resourceVersion` is where it starts: after that revision. */
export interface WatchOptions {
  readonly resource: string;
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Start after this revision (from a list). Absent: only changes from now on. */
  readonly resourceVersion?: string;
  /** Ask for periodic BOOKMARK events. */
  readonly allowBookmarks?: boolean;
}

/** An open watch. `closed` resolves when it ends: undefined when closed by its owner, else why. */
export interface Watch {
  close(): Promise<void>;
  readonly closed: Promise<Error | undefined>;
}

/** Receives watch events one at a time, in order (the next waits for the returned promise). */
export type WatchHandler = (event: WatchEvent) => void | Promise<void>;

export interface Transport {
  /** Sends one request and returns the server's answer (errors as `{ok: false, status}`). */
  request(request: ApiRequest, options?: { timeoutMs?: number }): Promise<ApiResponse>;
  /** Opens a watch. An `Expired` position ends it with an ApiError whose reason is `Expired`. */
  watch(options: WatchOptions, handler: WatchHandler): Promise<Watch>;
  close(): Promise<void>;
}

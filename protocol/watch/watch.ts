/**
 * A watch as every face offers it (the SDK's transports, the HTTP face): what it selects, the open
 * watch, and the handler that receives its events in order.
 */
import type { WatchEvent } from '../api.js';

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

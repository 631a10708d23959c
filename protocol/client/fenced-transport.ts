/**
 * A transport that stamps the current lease fencing token on every write, so a component that
 * leads through a Lease (controller manager, scheduler) cannot forget it on one call: the API
 * server applies a fenced write only while the Lease still names the writer, and a paused
 * ex-leader that wakes up gets every write refused (409 Conflict) instead of undoing the new
 * leader's work.
 *
 * A write with no token at hand (not leading) is refused here, before it leaves the process.
 */
import type { ApiRequest, ApiResponse, FenceToken } from '../api.js';
import { conflict } from '../errors.js';
import type { FollowLogHandlers } from '../log-follow.js';
import type { Watch, WatchHandler, WatchOptions } from '../watch/watch.js';
import type { Transport } from './transport.js';

const READS = new Set(['get', 'list', 'watch']);

/** Wraps `inner` so that every write carries `fence()`; writes while it is undefined are refused. */
export class FencedTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly fence: () => FenceToken | undefined,
  ) {}

  async request(request: ApiRequest, options?: { timeoutMs?: number }): Promise<ApiResponse> {
    if (READS.has(request.verb)) return this.inner.request(request, options);
    const fence = this.fence();
    if (!fence) {
      throw conflict(
        request.resource,
        request.name ?? '',
        'this replica does not hold the lease, so it may not write',
      );
    }
    return this.inner.request({ ...request, options: { ...request.options, fence } }, options);
  }

  followLog(request: ApiRequest, handlers: FollowLogHandlers, signal: AbortSignal): Promise<void> {
    return this.inner.followLog(request, handlers, signal);
  }

  watch(options: WatchOptions, handler: WatchHandler): Promise<Watch> {
    return this.inner.watch(options, handler);
  }

  async close(): Promise<void> {
    // Nothing of its own to close: `inner` belongs to whoever built this view, and outlives it.
  }
}

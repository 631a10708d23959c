/**
 * What the API server's request handling depends on, in one object (STYLE.md: deps arrive
 * together, nothing is module-level).
 */

import type { Clock } from '../../protocol/clock.js';
import type { PodExecReply, PodExecRequest, PodLogReply, PodLogRequest } from '../../protocol/kubelet.js';
import type { FollowLogHandlers, FollowLogRequest } from '../../protocol/log-follow.js';
import type { Logger } from '../kernel/log.js';
import type { ServiceRanges } from './allocation.js';
import type { Faults } from './faults.js';
import type { Store } from './store/store.js';

/** Size limits, as Kubernetes sets them. */
export interface Limits {
  /** A request body larger than this is refused before decoding (Kubernetes: 3 MiB). */
  readonly maxRequestBytes: number;
  /** A stored object larger than this is refused (etcd's default limit: 1.5 MiB). */
  readonly maxObjectBytes: number;
  /**
   * The item JSON of one list page stops below this; the page then ends with a `continue` token,
   * whatever `limit` the client asked for. Below the bus's 1 MiB (NATS max_payload), leaving room
   * for the list and reply envelopes. A single object larger than this is still sent alone.
   */
  readonly maxListBytes: number;
}

export const defaultLimits: Limits = {
  maxRequestBytes: 3 * 1024 * 1024,
  maxObjectBytes: 1536 * 1024,
  maxListBytes: 900 * 1024,
};

export interface ApiDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  readonly newUid: () => string;
  readonly random: () => number;
  readonly faults: Faults;
  readonly limits: Limits;
  /** Asks a node's kubelet (over the bus); absent where no kubelet can be reached. */
  readonly nodes?: NodeClient;
  /** Where Services' cluster IPs and node ports come from (default: `defaultServiceRanges`). */
  readonly serviceRanges?: ServiceRanges;
}

/** What the API server asks kubelets. */
export interface NodeClient {
  /** A container's log, from the kubelet of `node`. */
  logs(node: string, request: PodLogRequest): Promise<PodLogReply>;
  /**
   * Follows a container's log (`kubectl logs -f`) from the kubelet of `node`, until the container
   * stops or `signal` aborts.
   */
  followLogs(
    node: string,
    request: FollowLogRequest,
    handlers: FollowLogHandlers,
    signal: AbortSignal,
  ): Promise<void>;
  /** Runs a command in a container, through the kubelet of `node`. */
  exec(node: string, request: PodExecRequest): Promise<PodExecReply>;
}

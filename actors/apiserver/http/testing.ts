/**
 * Test support (imported by tests only): an in-process cluster with its HTTP face on 127.0.0.1
 * and a free port.
 */
import { type InProcessCluster, startInProcessCluster } from '../testing/cluster.js';

/** A running in-process cluster with an HTTP face. */
export type HttpCluster = InProcessCluster;

/** Starts an API server on MemoryBus + SQLite(':memory:') with its HTTP face on 127.0.0.1:0. */
export function startHttpCluster(
  options: { readonly eventLogMaxMessages?: number; readonly bookmarkMs?: number } = {},
): Promise<HttpCluster> {
  return startInProcessCluster({ ...options, http: true });
}

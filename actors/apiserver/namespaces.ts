/**
 * The namespaces every cluster has. The API server creates them at start (a replica that finds
 * them already there does nothing).
 */
import { isReason } from '../../protocol/errors.js';
import type { ApiDeps } from './deps.js';
import { create } from './verbs/write.js';

/** Namespaces created at start, as Kubernetes does. */
export const DEFAULT_NAMESPACES = ['default', 'kube-system'] as const;

/** Creates the default namespaces when they are missing. */
export async function bootstrapNamespaces(deps: ApiDeps): Promise<void> {
  for (const name of DEFAULT_NAMESPACES) {
    try {
      await create(deps, {
        verb: 'create',
        resource: 'namespaces',
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      });
      deps.log.info({ namespace: name }, 'namespace created');
    } catch (err) {
      if (!isReason(err, 'AlreadyExists')) throw err;
    }
  }
}

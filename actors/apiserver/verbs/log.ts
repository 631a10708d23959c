/**
 * The subresources of Pods that reach into containers: `log` (`kubectl logs`) and `exec`
 * (`skiff exec`). The API server finds the pod's node and asks its kubelet over the bus
 * (`skiff.node.<node>.logs`, `.exec`).
 */
import type { ApiRequest } from '../../../protocol/api.js';
import { badRequest, errorFromStatus, notFound, unavailable } from '../../../protocol/errors.js';
import { PodExecBodySchema } from '../../../protocol/kubelet.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { ApiDeps } from '../deps.js';
import { objectKey, resourceType } from '../objects.js';
import type { Outcome } from './write.js';

/** GET pods/{name}/log: the container's log text. */
export async function podLog(deps: ApiDeps, req: ApiRequest): Promise<Outcome> {
  const type = resourceType(req.resource);
  if (type.plural !== 'pods' || !req.name) throw badRequest('only a named pod has a log');
  const json = await deps.store.get(objectKey(type, req.namespace, req.name));
  if (json === undefined) throw notFound('pods', req.name);
  const pod = JSON.parse(json) as Pod;
  const options = req.options ?? {};
  const container =
    options.container ?? (pod.spec.containers.length === 1 ? pod.spec.containers[0]?.name : undefined);
  if (!pod.spec.nodeName) {
    throw badRequest(
      `container "${container ?? ''}" in pod "${req.name}" is waiting to start: ContainerCreating`,
    );
  }
  if (!deps.nodes) throw unavailable('no kubelet can be reached from this API server');
  const reply = await deps.nodes.logs(pod.spec.nodeName, {
    namespace: pod.metadata.namespace ?? 'default',
    name: req.name,
    podUid: pod.metadata.uid ?? '',
    ...(options.container !== undefined ? { container: options.container } : {}),
    ...(options.tailLines !== undefined ? { tailLines: options.tailLines } : {}),
    ...(options.sinceSeconds !== undefined ? { sinceSeconds: options.sinceSeconds } : {}),
    ...(options.previous !== undefined ? { previous: options.previous } : {}),
    ...(options.limitBytes !== undefined ? { limitBytes: options.limitBytes } : {}),
  });
  if (!reply.ok) throw errorFromStatus(reply.status);
  return { body: reply.text };
}

/** POST pods/{name}/exec with `{command, container?, timeoutSeconds?}`: exit code and output. */
export async function podExec(deps: ApiDeps, req: ApiRequest): Promise<Outcome> {
  const type = resourceType(req.resource);
  if (type.plural !== 'pods' || !req.name) throw badRequest('only a named pod runs commands');
  const body = PodExecBodySchema.safeParse(req.body);
  if (!body.success) throw badRequest(`an exec needs {"command": [...]}: ${body.error.message}`);
  const json = await deps.store.get(objectKey(type, req.namespace, req.name));
  if (json === undefined) throw notFound('pods', req.name);
  const pod = JSON.parse(json) as Pod;
  if (!pod.spec.nodeName) throw badRequest(`pod ${req.name} is not running on a node yet`);
  if (!deps.nodes) throw unavailable('no kubelet can be reached from this API server');
  const reply = await deps.nodes.exec(pod.spec.nodeName, {
    namespace: pod.metadata.namespace ?? 'default',
    name: req.name,
    podUid: pod.metadata.uid ?? '',
    ...body.data,
  });
  if (!reply.ok) throw errorFromStatus(reply.status);
  return { body: { exitCode: reply.exitCode, stdout: reply.stdout, stderr: reply.stderr } };
}

/**
 * The subresources of Pods that reach into containers: `log` (`kubectl logs`) and `exec`
 * (`skiff exec`). The API server finds the pod's node and asks its kubelet over the bus
 * (`skiff.node.<node>.logs`, `.exec`).
 */
import type { ApiRequest } from '../../../protocol/api.js';
import { badRequest, errorFromStatus, notFound, unavailable } from '../../../protocol/errors.js';
import { PodExecBodySchema } from '../../../protocol/kubelet.js';
import type { FollowLogHandlers, FollowLogRequest } from '../../../protocol/log-follow.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { ApiDeps, NodeClient } from '../deps.js';
import { objectKey, resourceType } from '../objects.js';
import type { Outcome } from './write.js';

/** GET pods/{name}/log: the container's log text. Following is a stream: see `followPodLogOf`. */
export async function podLog(deps: ApiDeps, req: ApiRequest): Promise<Outcome> {
  if (req.options?.follow) {
    throw badRequest('a followed log is a stream: follow it over HTTP (kubectl logs -f) or with the SDK');
  }
  const { node, request, nodes } = await logTarget(deps, req);
  const reply = await nodes.logs(node, request);
  if (!reply.ok) throw errorFromStatus(reply.status);
  return { body: reply.text };
}

/**
 * GET pods/{name}/log?follow=true: hands the container's log to `handlers` as the kubelet streams
 * it, until the container stops or `signal` aborts. Throws the Status of a request that cannot be
 * served, before anything was streamed.
 */
export async function followPodLogOf(
  deps: ApiDeps,
  req: ApiRequest,
  handlers: FollowLogHandlers,
  signal: AbortSignal,
): Promise<void> {
  const { node, request, nodes } = await logTarget(deps, req);
  await nodes.followLogs(node, request, handlers, signal);
}

/** The node whose kubelet holds a pod's log, and the request to send it (Kubernetes' messages when there is none). */
async function logTarget(
  deps: ApiDeps,
  req: ApiRequest,
): Promise<{ node: string; request: FollowLogRequest; nodes: NodeClient }> {
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
  const request: FollowLogRequest = {
    namespace: pod.metadata.namespace ?? 'default',
    name: req.name,
    podUid: pod.metadata.uid ?? '',
    ...(options.container !== undefined ? { container: options.container } : {}),
    ...(options.tailLines !== undefined ? { tailLines: options.tailLines } : {}),
    ...(options.sinceSeconds !== undefined ? { sinceSeconds: options.sinceSeconds } : {}),
    ...(options.previous !== undefined ? { previous: options.previous } : {}),
    ...(options.limitBytes !== undefined ? { limitBytes: options.limitBytes } : {}),
  };
  return { node: pod.spec.nodeName, request, nodes: deps.nodes };
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

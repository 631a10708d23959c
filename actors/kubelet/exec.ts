/**
 * Serves `skiff exec POD -- CMD`: the API server asks the pod's kubelet on
 * `skiff.node.<node>.exec`; the kubelet runs the command in the container through its runtime and
 * returns the output and exit code.
 */
import { ApiError, badRequest, ExecTimeoutError, notFound, timedOut } from '../../protocol/errors.js';
import type { PodExecReply, PodExecRequest } from '../../protocol/kubelet.js';
import { chooseContainer } from './logs.js';
import type { ContainerRuntime } from './runtimes/runtime.js';

/** Runs the command a request names, or says why it could not (a Kubernetes Status). */
export async function runPodExec(runtime: ContainerRuntime, request: PodExecRequest): Promise<PodExecReply> {
  try {
    const containers = await runtime.listContainers({ podUid: request.podUid });
    const target = chooseContainer(containers, request.name, request.container);
    if (target.state !== 'running') {
      throw badRequest(`container ${target.name} is not running in pod ${request.name}`);
    }
    const timeoutMs = (request.timeoutSeconds ?? 60) * 1000;
    const result = await runtime.exec(target.id, request.command, { timeoutMs });
    return { ok: true, ...result };
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, status: err.status };
    if (err instanceof ExecTimeoutError) return { ok: false, status: timedOut(err.message).status };
    if (err instanceof Error && err.name === 'RuntimeObjectNotFoundError') {
      return { ok: false, status: notFound('pods', request.name).status };
    }
    throw err;
  }
}

/**
 * Serves `kubectl logs`: the API server asks the pod's kubelet on `skiff.node.<node>.logs`; the
 * kubelet reads the container's log from its runtime. Kubernetes' rules and messages: a pod with
 * several containers needs `container`; `previous` reads the run before the current one.
 */
import { ApiError, badRequest, notFound } from '../../protocol/errors.js';
import type { PodLogReply, PodLogRequest } from '../../protocol/kubelet.js';
import { latestRuns } from './plan.js';
import type { ContainerRuntime, RuntimeContainerStatus } from './runtimes/runtime.js';

/**
 * The newest run of the container a request names; when it names none, the pod's only container.
 * Throws BadRequest with Kubernetes' messages otherwise.
 */
export function chooseContainer(
  containers: readonly RuntimeContainerStatus[],
  podName: string,
  container: string | undefined,
): RuntimeContainerStatus {
  const latest = latestRuns(containers);
  const names = [...latest.keys()].sort();
  let name = container;
  if (name === undefined) {
    if (names.length !== 1) {
      throw badRequest(
        `a container name must be specified for pod ${podName}, choose one of: [${names.join(' ')}]`,
      );
    }
    name = names[0] as string;
  }
  const current = latest.get(name);
  if (!current) throw badRequest(`container ${name} is not valid for pod ${podName}`);
  return current;
}

/** The log text a request asks for, or the Status saying why not. */
export async function readPodLog(
  runtime: ContainerRuntime,
  request: PodLogRequest,
  now: number,
  maxBytes: number,
): Promise<PodLogReply> {
  try {
    const containers = await runtime.listContainers({ podUid: request.podUid });
    const current = chooseContainer(containers, request.name, request.container);
    const name = current.name;
    const run = request.previous
      ? containers.find((c) => c.name === name && c.attempt === current.attempt - 1)
      : current;
    if (!run) {
      throw badRequest(`previous terminated container "${name}" in pod "${request.name}" not found`);
    }
    const lines: string[] = [];
    const stream = await runtime.logs(
      run.id,
      {
        ...(request.tailLines !== undefined ? { tailLines: request.tailLines } : {}),
        ...(request.sinceSeconds !== undefined ? { sinceMs: now - request.sinceSeconds * 1000 } : {}),
      },
      (line) => lines.push(line),
    );
    await stream.done;
    let text = lines.map((l) => `${l}\n`).join('');
    // The reply must fit in one bus message: keep the end, as `--limit-bytes` does from the start.
    const limit = Math.min(request.limitBytes ?? Number.POSITIVE_INFINITY, maxBytes);
    if (Buffer.byteLength(text) > limit) text = Buffer.from(text).subarray(-limit).toString();
    return { ok: true, text };
  } catch (err) {
    return logFailure(err, request);
  }
}

/** A failed log request's answer: its ApiError, or 404 for a container the runtime no longer has; rethrows the rest. */
export function logFailure(err: unknown, request: PodLogRequest): PodLogReply {
  if (err instanceof ApiError) return { ok: false, status: err.status };
  if (err instanceof Error && err.name === 'RuntimeObjectNotFoundError') {
    return { ok: false, status: notFound('pods', request.name).status };
  }
  throw err;
}

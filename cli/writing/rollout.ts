/**
 * The `rollout` verbs' pure parts: which Deployment the arguments name, the history table, and the
 * patches of restart, pause and resume, with kubectl's words.
 */
import type { DeploymentRevision } from '../../protocol/client/rollout.js';
import { CommandError } from '../output/errors.js';
import { parseResourceArgs } from '../resources.js';

/** kubectl's annotation that `rollout restart` stamps on the pod template. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

/** The Deployment `TYPE/NAME` or `TYPE NAME` names; kubectl's error for another kind. */
export function deploymentName(args: readonly string[], verb: 'status' | 'history' | 'other'): string {
  const requests = parseResourceArgs(args);
  const [request] = requests;
  if (!request || request.names.length === 0) {
    throw new CommandError('required resource not specified');
  }
  if (request.type.kind !== 'Deployment') {
    if (verb === 'status')
      throw new CommandError(`no status viewer has been implemented for ${request.type.kind}`);
    if (verb === 'history')
      throw new CommandError(`no history viewer has been implemented for ${request.type.kind}`);
    throw new CommandError(`${request.type.plural} are not supported by rollout (deployments are)`);
  }
  return request.names[0] as string;
}

/** `rollout history`: the header line, then REVISION and CHANGE-CAUSE columns, as kubectl prints them. */
export function historyText(name: string, revisions: readonly DeploymentRevision[]): string {
  if (revisions.length === 0) return `deployment.apps/${name} \nNo rollout history found.\n`;
  const rows = [
    ['REVISION', 'CHANGE-CAUSE'],
    ...revisions.map((r) => [String(r.revision), r.changeCause ?? '<none>']),
  ];
  const width = Math.max(...rows.map((r) => (r[0] as string).length));
  const lines = rows.map(([rev, cause]) => `${(rev as string).padEnd(width)}  ${cause}`);
  return `deployment.apps/${name} \n${lines.join('\n')}\n\n`;
}

/** The merge patch of `rollout restart`: a new restartedAt in the template restarts every pod. */
export function restartPatch(now: Date): object {
  const at = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: at } } } } };
}

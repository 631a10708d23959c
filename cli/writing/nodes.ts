/** Cordoning, as kubectl does it: a merge patch of `spec.unschedulable`, skipped when already so. */
import type { ApiClient } from '../../protocol/client/api-client.js';
import type { Node } from '../../protocol/resources/node.js';

/** Sets `spec.unschedulable`; returns kubectl's line (`node/n1 cordoned`, `node/n1 already uncordoned`). */
export async function setUnschedulable(
  client: ApiClient,
  node: string,
  unschedulable: boolean,
): Promise<string> {
  const word = unschedulable ? 'cordoned' : 'uncordoned';
  const live = await client.get<Node>('nodes', '', node);
  if ((live.spec?.unschedulable ?? false) === unschedulable) return `node/${node} already ${word}`;
  // null removes the field, as kubectl's uncordon leaves no `unschedulable: false` behind.
  await client.patch('nodes', '', node, { spec: { unschedulable: unschedulable ? true : null } });
  return `node/${node} ${word}`;
}

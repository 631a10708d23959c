/**
 * Adopting orphans (Kubernetes' `ClaimPods`, the adopt half): a controller takes controller
 * ownership of pods that match it and have no controller. Each is re-read live first, since the
 * cache may be stale and another controller may have claimed it meanwhile.
 */
import type { ApiClient } from '../../protocol/client/api-client.js';
import { isReason } from '../../protocol/errors.js';
import type { OwnerReference } from '../../protocol/meta.js';
import type { Pod } from '../../protocol/resources/pod.js';

/** Adds `ref` to every orphan that still `matches` when read live; returns how many it adopted. */
export async function adoptOrphans(
  client: ApiClient,
  orphans: readonly Readonly<Pod>[],
  ref: OwnerReference,
  matches: (live: Pod) => boolean,
): Promise<number> {
  let adopted = 0;
  for (const orphan of orphans) {
    const { namespace = '', name = '' } = orphan.metadata;
    try {
      const live = await client.get<Pod>('pods', namespace, name);
      if (live.metadata.uid !== orphan.metadata.uid || !matches(live)) continue;
      const refs = [...(live.metadata.ownerReferences ?? []), ref];
      await client.update('pods', { ...live, metadata: { ...live.metadata, ownerReferences: refs } });
      adopted++;
    } catch (err) {
      if (!isReason(err, 'NotFound')) throw err; // gone meanwhile: nothing to adopt
    }
  }
  return adopted;
}

/**
 * The conditions a Terminating namespace reports while its content goes, as Kubernetes' namespace
 * controller writes them: `NamespaceDeletionContentFailure` (a delete failed) and
 * `NamespaceContentRemaining` (objects still terminating).
 */
import type { Condition } from '../../../protocol/meta.js';

export const CONTENT_FAILURE = 'NamespaceDeletionContentFailure';
export const CONTENT_REMAINING = 'NamespaceContentRemaining';

/** What one pass over the namespace's content found. */
export interface ContentOutcome {
  /** Objects still present (terminating or just asked to go), per resource. */
  readonly remaining: Readonly<Record<string, number>>;
  /** One line per resource whose listing or deletion failed. */
  readonly failures: readonly string[];
}

/** True when nothing is left and nothing failed: the finalizer may go. */
export function contentGone(outcome: ContentOutcome): boolean {
  return outcome.failures.length === 0 && Object.values(outcome.remaining).every((n) => n === 0);
}

/**
 * The namespace's conditions after `outcome`: both conditions set, other conditions kept, and a
 * condition's `lastTransitionTime` kept while its status does not change.
 */
export function calculateConditions(
  current: readonly Condition[] | undefined,
  outcome: ContentOutcome,
  now: string,
): Condition[] {
  const remaining = Object.entries(outcome.remaining)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  const failed: Condition =
    outcome.failures.length > 0
      ? {
          type: CONTENT_FAILURE,
          status: 'True',
          reason: 'ContentDeletionFailed',
          message: `Failed to delete all resource types, ${outcome.failures.length} remaining: ${outcome.failures.join(', ')}`,
        }
      : {
          type: CONTENT_FAILURE,
          status: 'False',
          reason: 'ContentDeleted',
          message: 'All content successfully deleted, may be waiting on finalization',
        };
  const left: Condition =
    remaining.length > 0
      ? {
          type: CONTENT_REMAINING,
          status: 'True',
          reason: 'SomeResourcesRemain',
          message: `Some resources are remaining: ${remaining.map(([r, n]) => `${r} has ${n} resource instances`).join(', ')}`,
        }
      : {
          type: CONTENT_REMAINING,
          status: 'False',
          reason: 'ContentRemoved',
          message: 'All content successfully removed',
        };
  const byType = new Map((current ?? []).map((c) => [c.type, c]));
  const next = [failed, left].map((c) => {
    const before = byType.get(c.type);
    const lastTransitionTime =
      before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now;
    return { ...c, lastTransitionTime };
  });
  return [
    ...(current ?? []).filter((c) => c.type !== CONTENT_FAILURE && c.type !== CONTENT_REMAINING),
    ...next,
  ];
}

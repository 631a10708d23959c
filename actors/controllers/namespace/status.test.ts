import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Condition } from '../../../protocol/meta.js';
import { CONTENT_FAILURE, CONTENT_REMAINING, calculateConditions, contentGone } from './status.js';

const NOW = '2026-01-01T00:00:10Z';
const BEFORE = '2026-01-01T00:00:00Z';

describe('calculateConditions', () => {
  it.each([
    {
      case: 'everything deleted',
      outcome: { remaining: { pods: 0, configmaps: 0 }, failures: [] },
      failure: { status: 'False', reason: 'ContentDeleted' },
      remaining: { status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed' },
      gone: true,
    },
    {
      case: 'pods still terminating',
      outcome: { remaining: { pods: 2, configmaps: 0 }, failures: [] },
      failure: { status: 'False' },
      remaining: {
        status: 'True',
        reason: 'SomeResourcesRemain',
        message: 'Some resources are remaining: pods has 2 resource instances',
      },
      gone: false,
    },
    {
      case: 'a delete failed',
      outcome: { remaining: { pods: 0, configmaps: 0 }, failures: ['configmaps: boom'] },
      failure: {
        status: 'True',
        reason: 'ContentDeletionFailed',
        message: 'Failed to delete all resource types, 1 remaining: configmaps: boom',
      },
      remaining: { status: 'False' },
      gone: false,
    },
  ])('$case', ({ outcome, failure, remaining, gone }) => {
    const conditions = calculateConditions(undefined, outcome, NOW);
    expect(conditions.find((c) => c.type === CONTENT_FAILURE)).toMatchObject({
      ...failure,
      lastTransitionTime: NOW,
    });
    expect(conditions.find((c) => c.type === CONTENT_REMAINING)).toMatchObject({
      ...remaining,
      lastTransitionTime: NOW,
    });
    expect(contentGone(outcome)).toBe(gone);
  });

  it('keeps lastTransitionTime while a status holds, and other conditions as they are', () => {
    const current: Condition[] = [
      { type: 'Other', status: 'True', lastTransitionTime: BEFORE },
      { type: CONTENT_REMAINING, status: 'True', lastTransitionTime: BEFORE },
      { type: CONTENT_FAILURE, status: 'True', lastTransitionTime: BEFORE },
    ];
    const next = calculateConditions(current, { remaining: { pods: 1 }, failures: [] }, NOW);
    expect(next.find((c) => c.type === 'Other')).toEqual(current[0]);
    expect(next.find((c) => c.type === CONTENT_REMAINING)?.lastTransitionTime).toBe(BEFORE);
    expect(next.find((c) => c.type === CONTENT_FAILURE)?.lastTransitionTime).toBe(NOW);
  });

  it('property: one condition of each type; both False exactly when the content is gone', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('pods', 'configmaps', 'secrets', 'jobs'), fc.nat({ max: 5 })),
        fc.array(fc.string({ minLength: 1 }), { maxLength: 3 }),
        (remaining, failures) => {
          const outcome = { remaining, failures };
          const conditions = calculateConditions(undefined, outcome, NOW);
          expect(conditions.filter((c) => c.type === CONTENT_FAILURE)).toHaveLength(1);
          expect(conditions.filter((c) => c.type === CONTENT_REMAINING)).toHaveLength(1);
          expect(conditions.every((c) => c.status === 'False')).toBe(contentGone(outcome));
        },
      ),
    );
  });
});

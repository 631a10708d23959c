import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../../actors/kernel/bus/memory.js';
import { REVISION_HEADER } from '../api.js';
import type { EventLog } from '../bus.js';
import { Subjects } from '../subjects.js';
import { startForRevision } from './position.js';

const subjects = new Subjects('wp');

describe('startForRevision', () => {
  let bus: MemoryBus;
  let log: EventLog;
  const append = (
    revision: number,
    subject = subjects.event({ resource: 'configmaps', namespace: 'a', name: `o${revision}` }),
  ) => log.append(subject, '{}', { headers: new Map([[REVISION_HEADER, String(revision)]]) });

  beforeEach(async () => {
    bus = new MemoryBus();
    log = await bus.log(subjects.eventsStream(), { subjects: [subjects.events()], maxMessages: 5 });
  });
  afterEach(async () => {
    await bus.close();
  });

  it('starts right after the revision, found by binary search over a log in revision order', async () => {
    for (const r of [3, 4, 7, 8, 9]) await append(r); // sequences 1..5 (revisions may skip)
    expect(await startForRevision(log, 3)).toEqual({ kind: 'start', startSeq: 2 });
    expect(await startForRevision(log, 5)).toEqual({ kind: 'start', startSeq: 3 });
    expect(await startForRevision(log, 8)).toEqual({ kind: 'start', startSeq: 5 });
    expect(await startForRevision(log, 9)).toEqual({ kind: 'start', startSeq: 6 });
    expect(await startForRevision(log, 2)).toEqual({ kind: 'start', startSeq: 1 });
  });

  it('is Expired when the log no longer reaches back to the revision (trimmed)', async () => {
    for (let r = 1; r <= 8; r++) await append(r); // keeps 4..8
    expect(await startForRevision(log, 3)).toEqual({ kind: 'start', startSeq: 4 });
    expect(await startForRevision(log, 2)).toEqual({ kind: 'expired', oldestRevision: 4 });
  });

  it('is Expired before a horizon marker, and starts at it from just before its revision', async () => {
    // A log reset after a hole: the marker says history begins again at revision 20.
    await log.reset();
    await log.append(subjects.eventsHorizon(), '{}', { headers: new Map([[REVISION_HEADER, '20']]) });
    await append(20);
    await append(21);
    expect(await startForRevision(log, 18)).toEqual({ kind: 'expired', oldestRevision: 20 });
    expect(await startForRevision(log, 19)).toEqual({ kind: 'start', startSeq: 1 });
    expect(await startForRevision(log, 20)).toEqual({ kind: 'start', startSeq: 3 });
  });

  it('starts at the end of an empty log', async () => {
    expect(await startForRevision(log, 5)).toEqual({ kind: 'start', startSeq: 1 });
  });
});

import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../protocol/clock.js';
import { ControllerExpectations, expectationsTtlMs } from './expectations.js';
import { captureLogger } from './log.js';

function setup() {
  const clock = new SimulatedClock();
  const captured = captureLogger();
  return { clock, captured, exp: new ControllerExpectations({ clock, log: captured.log }) };
}

const rs = 'default/web';

describe('ControllerExpectations', () => {
  it('is satisfied for a key that never had expectations', () => {
    expect(setup().exp.satisfied(rs)).toBe(true);
  });

  it('blocks a key until every expected creation is observed', () => {
    const { exp } = setup();
    exp.expectCreations(rs, 3);
    expect(exp.satisfied(rs)).toBe(false);
    exp.creationObserved(rs);
    exp.creationObserved(rs);
    expect(exp.satisfied(rs)).toBe(false);
    expect(exp.get(rs)).toMatchObject({ adds: 1, dels: 0 });
    exp.creationObserved(rs);
    expect(exp.satisfied(rs)).toBe(true);
  });

  it('counts only the deletions of the UIDs it expects, each once', () => {
    const { exp } = setup();
    exp.expectDeletions(rs, ['uid-1', 'uid-2']);
    exp.deletionObserved(rs, 'uid-someone-elses');
    exp.deletionObserved(rs, 'uid-1');
    exp.deletionObserved(rs, 'uid-1');
    expect(exp.satisfied(rs)).toBe(false);
    expect(exp.get(rs)).toMatchObject({ dels: 1, uids: new Set(['uid-2']) });
    exp.deletionObserved(rs, 'uid-2');
    expect(exp.satisfied(rs)).toBe(true);
  });

  it('de-duplicates UIDs given twice', () => {
    const { exp } = setup();
    exp.expectDeletions(rs, ['u', 'u']);
    exp.deletionObserved(rs, 'u');
    expect(exp.satisfied(rs)).toBe(true);
  });

  it('lowers expectations for writes that failed and will never be observed', () => {
    const { exp } = setup();
    exp.expectCreations(rs, 5);
    exp.creationObserved(rs);
    exp.lowerExpectations(rs, 4, 0);
    expect(exp.satisfied(rs)).toBe(true);
  });

  it('expires after the TTL on the injected clock, and says so in the log', async () => {
    const { clock, exp, captured } = setup();
    exp.expectCreations(rs, 2);
    await clock.advance(expectationsTtlMs - 1);
    expect(exp.satisfied(rs)).toBe(false);
    await clock.advance(1);
    expect(exp.satisfied(rs)).toBe(true);
    expect(captured.find('expectations expired')).toHaveLength(1);
  });

  it('restarts the TTL when expectations are set again', async () => {
    const { clock, exp } = setup();
    exp.expectCreations(rs, 1);
    await clock.advance(expectationsTtlMs - 10);
    exp.expectDeletions(rs, ['u']);
    await clock.advance(20);
    expect(exp.satisfied(rs)).toBe(false);
  });

  it('honours a custom TTL', async () => {
    const clock = new SimulatedClock();
    const exp = new ControllerExpectations({ clock, ttlMs: 1000 });
    exp.expectCreations(rs, 1);
    await clock.advance(1000);
    expect(exp.satisfied(rs)).toBe(true);
  });

  it('forgets a key on delete, and ignores observations for unknown keys', () => {
    const { exp } = setup();
    exp.expectCreations(rs, 1);
    exp.delete(rs);
    expect(exp.get(rs)).toBeUndefined();
    exp.creationObserved(rs);
    exp.deletionObserved(rs, 'u');
    expect(exp.satisfied(rs)).toBe(true);
  });

  it('keeps keys apart', () => {
    const { exp } = setup();
    exp.expectCreations('default/a', 1);
    exp.creationObserved('default/b');
    expect(exp.satisfied('default/a')).toBe(false);
    expect(exp.satisfied('default/b')).toBe(true);
  });
});

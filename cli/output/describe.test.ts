import { describe, expect, it } from 'vitest';
import { describeTime, selectorText } from './describe.js';
import { eventInterval, eventRow } from './events.js';

describe('events and describe helpers', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');
  it.each([
    [{ firstTimestamp: '2026-12-04T11:59:55Z', count: 1 }, '5s'],
    [
      { firstTimestamp: '2026-12-04T11:50:00Z', lastTimestamp: '2026-12-04T11:59:50Z', count: 4 },
      '10s (x4 over 10m)',
    ],
    [{ eventTime: '2026-12-04T11:59:00.000000Z' }, '60s'],
  ])('interval of %j is %s', (event, text) => {
    expect(eventInterval(event, now)).toBe(text);
  });

  it('rows name the object as Kind/name', () => {
    const row = eventRow(
      {
        type: 'Normal',
        reason: 'Scheduled',
        message: ' ok ',
        involvedObject: { kind: 'Pod', name: 'w' },
        firstTimestamp: '2026-12-04T11:59:55Z',
      },
      false,
      now,
    );
    expect(row).toEqual(['5s', 'Normal', 'Scheduled', 'Pod/w', 'ok']);
  });

  it('formats times as kubectl describe', () => {
    expect(describeTime('2026-12-04T22:11:02Z')).toBe('Fri, 04 Dec 2026 22:11:02 +0000');
  });

  it('prints selectors', () => {
    expect(
      selectorText({
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }],
      }),
    ).toBe('app=web,tier in (a,b)');
  });
});

import { describe, expect, it } from 'vitest';
import { ProbeTracker } from './probes.js';

const probe = (over: Record<string, number> = {}) =>
  ({
    exec: { command: ['true'] },
    periodSeconds: 10,
    timeoutSeconds: 1,
    successThreshold: 1,
    failureThreshold: 3,
    ...over,
  }) as never;

describe('ProbeTracker', () => {
  it('runs only the startup probe until it passes, then liveness and readiness', () => {
    const t = new ProbeTracker({ startup: probe(), liveness: probe(), readiness: probe() });
    expect(t.due()).toEqual(['startup']);
    expect([t.started, t.ready]).toEqual([false, false]);
    expect(t.record('startup', true)).toBe('none');
    expect(t.due()).toEqual(['liveness', 'readiness']);
  });

  it('kills after failureThreshold liveness failures in a row; a success in between starts over', () => {
    const t = new ProbeTracker({ liveness: probe({ failureThreshold: 3 }) });
    expect(['fail', 'fail', 'ok', 'fail', 'fail'].map((r) => t.record('liveness', r === 'ok'))).toEqual([
      'none',
      'none',
      'none',
      'none',
      'none',
    ]);
    expect(t.record('liveness', false)).toBe('kill');
  });

  it('flips readiness both ways, after the thresholds, and says so once', () => {
    const t = new ProbeTracker({ readiness: probe({ failureThreshold: 2, successThreshold: 2 }) });
    expect(t.ready).toBe(false);
    expect(t.record('readiness', true)).toBe('none');
    expect(t.record('readiness', true)).toBe('ready-changed');
    expect(t.ready).toBe(true);
    expect(t.record('readiness', true)).toBe('none');
    expect(t.record('readiness', false)).toBe('none');
    expect(t.record('readiness', false)).toBe('ready-changed');
    expect(t.ready).toBe(false);
  });

  it('is ready at once without a readiness probe, and once started with only a startup probe', () => {
    expect(new ProbeTracker({}).ready).toBe(true);
    const t = new ProbeTracker({ startup: probe() });
    expect(t.ready).toBe(true);
    expect(t.started).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { captureLogger, createLogger, describeMessage, silentLogger } from './log.js';

describe('createLogger', () => {
  it('writes JSON lines with component and pid as base fields', () => {
    const lines: string[] = [];
    const log = createLogger({ component: 'scheduler', destination: { write: (l) => lines.push(l) } });
    log.info({ pod: 'default/web-1' }, 'bound');
    expect(lines).toHaveLength(1);
    const record: unknown = JSON.parse(lines[0] ?? '');
    expect(record).toMatchObject({
      component: 'scheduler',
      pid: process.pid,
      pod: 'default/web-1',
      msg: 'bound',
    });
  });

  it('honours the level', () => {
    const lines: string[] = [];
    const log = createLogger({ component: 'x', level: 'warn', destination: { write: (l) => lines.push(l) } });
    log.info('hidden');
    log.warn('shown');
    expect(lines).toHaveLength(1);
  });
});

describe('test loggers', () => {
  it('silentLogger discards everything', () => {
    const log = silentLogger();
    expect(log.isLevelEnabled('fatal')).toBe(false);
  });

  it('captureLogger keeps parsed records, children included', () => {
    const captured = captureLogger({ component: 'kubelet' });
    captured.log.child({ actor: 'pod-worker' }).debug({ n: 1 }, 'started container');
    expect(captured.records).toHaveLength(1);
    expect(captured.find('started')[0]).toMatchObject({ component: 'kubelet', actor: 'pod-worker', n: 1 });
    expect(captured.find('nothing like this')).toEqual([]);
  });
});

describe('describeMessage', () => {
  it.each([
    [{ type: 'sync', key: 'a/b' }, 'sync'],
    [{ kind: 'x' }, 'object'],
    ['text', 'string'],
    [null, 'object'],
    [42, 'number'],
  ])('%j → %s', (msg, expected) => {
    expect(describeMessage(msg)).toBe(expected);
  });
});

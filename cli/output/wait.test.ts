import { describe, expect, it } from 'vitest';
import { conditionMet, parseDuration, parseWaitFor } from './wait.js';

const pod = { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };

describe('wait conditions', () => {
  it.each([
    ['condition=Ready', pod, true],
    ['condition=ready', pod, true],
    ['condition=Ready=False', pod, false],
    ['condition=Available', pod, false],
    ['jsonpath={.status.phase}=Running', pod, true],
    ['jsonpath={.status.phase}=Pending', pod, false],
    ['delete', pod, false],
  ])('--for=%s', (value, obj, met) => {
    expect(conditionMet(parseWaitFor(value), obj)).toBe(met);
  });

  it('refuses an unknown --for', () => {
    expect(() => parseWaitFor('foo')).toThrow('unrecognized condition: "foo"');
  });

  it.each([
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['2', 2000],
    ['0', 0],
  ])('duration %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});

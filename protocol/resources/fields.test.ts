import { describe, expect, it } from 'vitest';
import {
  approximateQuantity,
  isQuantity,
  isRFC3339,
  isValidCIDR,
  isValidIP,
  validatePortNumOrName,
} from './fields.js';

describe('quantities', () => {
  it.each([
    ['100m', true],
    ['0.5', true],
    ['.5', true],
    ['5.', true],
    ['128Mi', true],
    ['1G', true],
    ['1e3', true],
    ['1E-2', true],
    ['+1', true],
    ['-1', true],
    ['100n', true],
    ['1Ki', true],
    ['1KiB', false],
    ['1k5', false],
    ['abc', false],
    ['', false],
    ['1 Gi', false],
    ['1.2.3', false],
    ['1mi', false],
    ['Mi', false],
  ])('%j is a quantity: %s', (value, valid) => {
    expect(isQuantity(value)).toBe(valid);
  });

  it.each([
    ['100m', 0.1],
    ['1Ki', 1024],
    ['1e3', 1000],
    ['2G', 2e9],
    ['1.5Gi', 1.5 * 2 ** 30],
  ])('%j is about %d', (value, number) => {
    expect(approximateQuantity(value)).toBeCloseTo(number);
  });
});

describe('addresses and times', () => {
  it.each([
    ['127.0.0.1', true],
    ['::1', true],
    ['2001:db8::ffff', true],
    ['300.1.1.1', false],
    ['fe80::1%eth0', false],
    ['localhost', false],
    ['127.0.0.1:8080', false],
  ])('IP %j: %s', (value, valid) => {
    expect(isValidIP(value)).toBe(valid);
  });

  it.each([
    ['10.0.0.0/24', true],
    ['2001:db8::/64', true],
    ['10.0.0.0/33', false],
    ['10.0.0.0', false],
  ])('CIDR %j: %s', (value, valid) => {
    expect(isValidCIDR(value)).toBe(valid);
  });

  it.each([
    ['2024-01-01T00:00:00Z', true],
    ['2024-01-01T00:00:00.123456Z', true],
    ['2024-01-01T00:00:00+02:00', true],
    ['2024-02-30T00:00:00Z', false],
    ['2024-01-01 00:00:00Z', false],
    ['2024-01-01', false],
    ['yesterday', false],
  ])('timestamp %j: %s', (value, valid) => {
    expect(isRFC3339(value)).toBe(valid);
  });
});

describe('ports by number or name', () => {
  it.each([
    [80, []],
    ['http', []],
    [0, ['must be between 1 and 65535, inclusive']],
    [65536, ['must be between 1 and 65535, inclusive']],
    ['', ['Required value']],
    [
      'HTTP',
      [
        'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        'must contain at least one letter (a-z)',
      ],
    ],
  ])('%j', (value, problems) => {
    const details = validatePortNumOrName(value, 'port').map((e) =>
      e.detailMessage.replace(/^Invalid value: [^:]+: /, ''),
    );
    expect(details).toEqual(problems);
  });
});

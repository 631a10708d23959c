import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  generateName,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isValidLabelValue,
  isValidPercent,
  isValidPortName,
  TOTAL_ANNOTATION_SIZE_LIMIT,
  validateAnnotations,
  validateFinalizerName,
  validateLabels,
  validateName,
} from './names.js';

const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

describe('DNS-1123 names', () => {
  it.each([
    ['web', []],
    ['web-1', []],
    ['1web', []],
    ['a'.repeat(63), []],
    ['Web', [LABEL_MESSAGE]],
    ['-web', [LABEL_MESSAGE]],
    ['web-', [LABEL_MESSAGE]],
    ['my.web', ['must not contain dots']],
    ['', [LABEL_MESSAGE]],
    ['a'.repeat(64), ['must be no more than 63 characters']],
  ])('label %j → %j', (value, messages) => {
    expect(isDNS1123Label(value)).toEqual(messages);
  });

  it.each([
    ['example.com', []],
    ['web', []],
    ['a.b-c.d', []],
    ['Example.com', [SUBDOMAIN_MESSAGE]],
    ['a..b', [SUBDOMAIN_MESSAGE]],
    ['.a', [SUBDOMAIN_MESSAGE]],
    ['a_b', [SUBDOMAIN_MESSAGE]],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`, []],
    [
      `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`,
      ['must be no more than 253 characters'],
    ],
  ])('subdomain %j → %j', (value, messages) => {
    expect(isDNS1123Subdomain(value)).toEqual(messages);
  });

  it.each([
    ['web', 0],
    ['web-1', 0],
    ['1web', 1],
    ['Web', 1],
  ])('DNS-1035 label %j has %i problem(s)', (value, count) => {
    expect(isDNS1035Label(value)).toHaveLength(count);
  });

  it('checks a generateName prefix with one trailing dash masked', () => {
    expect(validateName('dns1123-subdomain', 'web-', { prefix: true })).toEqual([]);
    expect(validateName('dns1123-subdomain', 'web-')).toEqual([SUBDOMAIN_MESSAGE]);
    expect(validateName('dns1123-label', 'Web-', { prefix: true })).toEqual([LABEL_MESSAGE]);
  });
});

describe('qualified names and label values', () => {
  it.each([
    ['app', 0],
    ['app.kubernetes.io/name', 0],
    ['example.com/MyName', 0],
    ['my_key.x', 0],
    ['bad key', 1],
    ['/name', 1],
    ['Example.com/name', 1],
    ['a/b/c', 1],
    ['prefix/', 2],
    [`x/${'a'.repeat(64)}`, 1],
    ['_hidden', 1],
  ])('%j has %i problem(s)', (value, count) => {
    expect(isQualifiedName(value)).toHaveLength(count);
  });

  it('prefixes the problems of each part, as Kubernetes does', () => {
    expect(isQualifiedName('/x')).toEqual(['prefix part must be non-empty']);
    expect(isQualifiedName('Bad/x')[0]).toMatch(/^prefix part a lowercase RFC 1123 subdomain/);
    expect(isQualifiedName('x/-y')[0]).toMatch(/^name part must consist of alphanumeric characters/);
  });

  it.each([
    ['', 0],
    ['v1.2_3-x', 0],
    ['-x', 1],
    ['x y', 1],
    ['a'.repeat(64), 1],
  ])('label value %j has %i problem(s)', (value, count) => {
    expect(isValidLabelValue(value)).toHaveLength(count);
  });
});

describe('other identifiers', () => {
  it.each([
    ['http', 0],
    ['web-8080', 0],
    ['8080', 1],
    ['HTTP', 2],
    ['a--b', 1],
    ['-ab', 1],
    ['much-too-long-port-name', 1],
  ])('port name %j has %i problem(s)', (value, count) => {
    expect(isValidPortName(value)).toHaveLength(count);
  });

  it.each([
    ['app.conf', 0],
    ['KEY_NAME', 0],
    ['.', 1],
    ['..', 1],
    ['..x', 1],
    ['a/b', 1],
  ])('config key %j has %i problem(s)', (value, count) => {
    expect(isConfigMapKey(value)).toHaveLength(count);
  });

  it.each([
    ['MY_VAR', 0],
    ['my.env-name', 0],
    ['1X', 1],
    ['A=B', 1],
  ])('env var name %j has %i problem(s)', (value, count) => {
    expect(isEnvVarName(value)).toHaveLength(count);
  });

  it.each([
    ['25%', 0],
    ['0%', 0],
    ['25', 1],
    ['%', 1],
  ])('percent %j has %i problem(s)', (value, count) => {
    expect(isValidPercent(value)).toHaveLength(count);
  });
});

describe('labels, annotations, finalizers as field errors', () => {
  it('reports every bad key and value on the map path', () => {
    const errors = validateLabels({ 'bad key': 'ok', good: 'bad value', fine: 'yes' }, 'metadata.labels');
    expect(errors.map((e) => e.field)).toEqual(['metadata.labels', 'metadata.labels']);
    expect(errors[0]?.message).toMatch(/^metadata\.labels: Invalid value: "bad key": name part must consist/);
    expect(errors[1]?.message).toMatch(
      /^metadata\.labels: Invalid value: "bad value": a valid label must be/,
    );
  });

  it('counts annotation keys and values in bytes against 256 KiB', () => {
    const atLimit = { a: 'x'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT - 1) };
    expect(validateAnnotations(atLimit, 'metadata.annotations')).toEqual([]);
    const over = { a: 'é'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT / 2) };
    expect(validateAnnotations(over, 'metadata.annotations').map((e) => e.message)).toEqual([
      'metadata.annotations: Too long: may not be more than 262144 bytes',
    ]);
  });

  it('accepts annotation keys in any case, as Kubernetes does', () => {
    expect(validateAnnotations({ 'Example.COM/Note': 'x' }, 'a')).toEqual([]);
  });

  it.each([
    ['kubernetes', 0],
    ['foregroundDeletion', 0],
    ['example.com/cleanup', 0],
    ['cleanup', 1],
    ['bad finalizer', 1],
  ])('finalizer %j has %i problem(s)', (value, count) => {
    expect(validateFinalizerName(value, 'f')).toHaveLength(count);
  });
});

describe('generateName', () => {
  it('appends five characters from the Kubernetes alphabet, deterministically with an injected source', () => {
    expect(generateName('web-', () => 0)).toBe('web-bbbbb');
    expect(generateName('web-', () => 0.9999)).toBe('web-99999');
  });

  it('cuts long bases so the result stays a valid DNS label length', () => {
    const name = generateName(`${'a'.repeat(70)}-`);
    expect(name).toHaveLength(63);
    expect(isDNS1123Label(name)).toEqual([]);
  });
});

describe('properties', () => {
  // A DNS-1123 label built from its grammar, not filtered out of random strings:
  //   alnum ( [-a-z0-9]{0,61} alnum )?   (so 1..63 characters, no dash at either end)
  const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const alnum = fc.constantFrom(...ALNUM);
  const labelName = fc
    .tuple(
      alnum,
      fc.option(fc.tuple(fc.array(fc.constantFrom(...ALNUM, '-'), { maxLength: 61, size: 'max' }), alnum), {
        nil: undefined,
      }),
    )
    .map(([first, rest]) => (rest === undefined ? first : `${first}${rest[0].join('')}${rest[1]}`));
  // One character outside the label alphabet (upper case, '.', '_', spaces, any other code unit).
  const foreign = fc
    .string({ unit: 'binary', minLength: 1, maxLength: 1 })
    .filter((c) => !/^[a-z0-9-]$/.test(c));
  // A valid label broken in exactly one way the grammar forbids.
  const brokenLabel = fc.oneof(
    fc.tuple(labelName, foreign, fc.nat()).map(([label, c, i]) => {
      const at = i % (label.length + 1);
      return `${label.slice(0, at)}${c}${label.slice(at)}`;
    }),
    labelName.map((label) => `-${label}`),
    labelName.map((label) => `${label}-`),
    labelName.map((label) => label.padEnd(64, 'x')),
    fc.constant(''),
  );
  const subdomain = fc
    .array(labelName, { minLength: 1, maxLength: 4 })
    .map((parts) => parts.join('.'))
    .filter((s) => s.length <= 253);
  const qualified = fc.stringMatching(/^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/);

  it('accepts every generated DNS-1123 label and subdomain', () => {
    fc.assert(
      fc.property(labelName, subdomain, (label, sub) => {
        expect(isDNS1123Label(label)).toEqual([]);
        expect(isDNS1123Subdomain(sub)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('accepts every generated label key (with or without a prefix) and label value', () => {
    fc.assert(
      fc.property(fc.option(subdomain, { nil: undefined }), qualified, qualified, (prefix, name, value) => {
        const key = prefix === undefined ? name : `${prefix}/${name}`;
        expect(validateLabels({ [key]: value }, 'metadata.labels')).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('generates labels of every length the grammar allows', () => {
    const lengths = new Set(fc.sample(labelName, { numRuns: 2000, seed: 8 }).map((l) => l.length));
    expect(lengths.has(1) && lengths.has(2) && [...lengths].some((n) => n > 40)).toBe(true);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(63);
  });

  it('rejects every label broken in one way: a foreign character, a dash at an end, 64 characters, empty', () => {
    fc.assert(
      fc.property(brokenLabel, (value) => {
        expect(isDNS1123Label(value)).not.toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });
});

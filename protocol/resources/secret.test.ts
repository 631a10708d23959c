import { describe, expect, it } from 'vitest';
import { makeSecret } from '../testing/builders.js';
import { patched } from '../testing/manifests.js';
import { MAX_SECRET_SIZE, mergeStringData, type Secret, validateSecretUpdate } from './secret.js';
import { validateObject } from './validate.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

const secret = (fields: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', namespace: 'default' },
  ...fields,
});

/** Every error message `validateObject` reports, in order. */
function messages(input: unknown): string[] {
  const result = validateObject(input);
  return result.ok ? [] : result.errors.map((e) => e.message);
}

/** The Secret `validateObject` returns, or a failure naming its errors. */
function parsed(input: unknown): Secret {
  const result = validateObject(input);
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
  if (result.object.kind !== 'Secret') throw new Error(`not a Secret: ${result.object.kind}`);
  return result.object;
}

describe('Secret validation', () => {
  it.each<[string, Record<string, unknown>]>([
    ['empty, Opaque by default', {}],
    ['data and stringData', { data: { a: b64('x') }, stringData: { b: 'y' } }],
    ['a custom type, checked no further', { type: 'helm.sh/release.v1', data: { release: b64('r') } }],
    [
      'dockerconfigjson with a JSON object',
      {
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': b64('{"auths":{}}') },
      },
    ],
    [
      'dockerconfigjson given as stringData',
      {
        type: 'kubernetes.io/dockerconfigjson',
        stringData: { '.dockerconfigjson': '{"auths":{"r.example":{"auth":"dTpw"}}}' },
      },
    ],
    [
      'dockerconfigjson holding null (Go unmarshals it into a map)',
      {
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': b64('null') },
      },
    ],
    [
      'tls with both keys, one from stringData',
      {
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': b64('c') },
        stringData: { 'tls.key': 'k' },
      },
    ],
    ['basic-auth with a password alone', { type: 'kubernetes.io/basic-auth', stringData: { password: '' } }],
    ['ssh-auth', { type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': b64('key') } }],
    [
      'service-account-token with its annotation',
      {
        type: 'kubernetes.io/service-account-token',
        metadata: {
          name: 's',
          namespace: 'default',
          annotations: { 'kubernetes.io/service-account.name': 'default' },
        },
      },
    ],
    ['exactly 1 MiB', { data: { big: b64('x'.repeat(MAX_SECRET_SIZE)) } }],
    ['immutable', { immutable: true, data: { a: b64('x') } }],
  ])('accepts %s', (_name, fields) => {
    expect(messages(secret(fields))).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    [
      'a value that is not base64, never echoed back',
      { data: { token: 'hunter2!' } },
      ['data[token]: Invalid value: "<secret contents redacted>": must be a base64-encoded string'],
    ],
    [
      'unpadded base64',
      { data: { token: 'YWJjZA' } },
      ['data[token]: Invalid value: "<secret contents redacted>": must be a base64-encoded string'],
    ],
    [
      'a bad data key',
      { data: { 'bad key': b64('x') } },
      [expect.stringMatching(/^data\[bad key\]: Invalid value: "bad key": a valid config key must consist/)],
    ],
    [
      'a bad stringData key',
      { stringData: { '..': 'x' } },
      [expect.stringMatching(/^stringData\[\.\.\]: Invalid value: "\.\.": must not be '\.\.'/)],
    ],
    [
      'over 1 MiB in data',
      { data: { big: b64('x'.repeat(MAX_SECRET_SIZE + 1)) } },
      ['data: Too long: may not be more than 1048576 bytes'],
    ],
    [
      'over 1 MiB once stringData is merged',
      {
        data: { a: b64('x'.repeat(MAX_SECRET_SIZE / 2)) },
        stringData: { b: 'y'.repeat(MAX_SECRET_SIZE / 2 + 1) },
      },
      ['data: Too long: may not be more than 1048576 bytes'],
    ],
    [
      'dockerconfigjson without its key',
      { type: 'kubernetes.io/dockerconfigjson', data: { a: b64('{}') } },
      ['data[.dockerconfigjson]: Required value'],
    ],
    [
      'dockerconfigjson that is not JSON',
      { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{auths') } },
      [expect.stringMatching(/^data\[\.dockerconfigjson\]: Invalid value: "<secret contents redacted>": /)],
    ],
    [
      'dockerconfigjson holding an array',
      { type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '[]' } },
      [
        'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": ' +
          'json: cannot unmarshal array into Go value of type map[string]interface {}',
      ],
    ],
    ['dockercfg without its key', { type: 'kubernetes.io/dockercfg' }, ['data[.dockercfg]: Required value']],
    [
      'tls without tls.key',
      { type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c') } },
      ['data[tls.key]: Required value'],
    ],
    [
      'tls without either key',
      { type: 'kubernetes.io/tls' },
      ['data[tls.crt]: Required value', 'data[tls.key]: Required value'],
    ],
    [
      'basic-auth without username or password',
      { type: 'kubernetes.io/basic-auth' },
      ['data[username]: Required value', 'data[password]: Required value'],
    ],
    [
      'ssh-auth with an empty private key',
      { type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': '' } },
      ['data[ssh-privatekey]: Required value'],
    ],
    [
      'service-account-token without its annotation',
      { type: 'kubernetes.io/service-account-token' },
      ['metadata.annotations[kubernetes.io/service-account.name]: Required value'],
    ],
    ['a type that is not a string', { type: 42 }, ['type: Invalid value: 42: must be of type string']],
  ])('refuses %s', (_name, fields, expected) => {
    expect(messages(secret(fields))).toEqual(expected);
  });

  it('defaults an absent or empty type to Opaque', () => {
    expect(parsed(secret()).type).toBe('Opaque');
    expect(parsed(secret({ type: '' })).type).toBe('Opaque');
  });
});

describe('mergeStringData', () => {
  it('encodes stringData into data, overriding keys of the same name, and drops it', () => {
    const merged = mergeStringData(
      parsed(secret({ data: { a: b64('old'), b: b64('kept') }, stringData: { a: 'new', c: 'ünï' } })),
    );
    expect(merged.data).toEqual({ a: b64('new'), b: b64('kept'), c: b64('ünï') });
    expect(merged).not.toHaveProperty('stringData');
  });

  it('leaves a Secret without stringData as it is, and adds no empty data map', () => {
    const plain = parsed(secret({ data: { a: b64('x') } }));
    expect(mergeStringData(plain)).toBe(plain);
    expect(mergeStringData(parsed(secret({ stringData: {} })))).toEqual(parsed(secret()));
  });
});

describe('validateSecretUpdate', () => {
  const opaque = makeSecret('s').data({ a: 'x' }).obj();

  it('keeps the type for life', () => {
    const tls = makeSecret('s').type('kubernetes.io/tls').data({ 'tls.crt': 'c', 'tls.key': 'k' }).obj();
    expect(validateSecretUpdate(opaque, tls).map((e) => e.message)).toEqual([
      'type: Invalid value: "kubernetes.io/tls": field is immutable',
    ]);
    expect(validateSecretUpdate(opaque, makeSecret('s').data({ a: 'changed' }).obj())).toEqual([]);
  });

  it('keeps the data and the immutability of an immutable Secret', () => {
    const frozen = makeSecret('s').data({ a: 'x' }).immutable().obj();
    expect(validateSecretUpdate(frozen, makeSecret('s').data({ a: 'y' }).immutable().obj())).toMatchObject([
      { field: 'data', message: 'data: Forbidden: field is immutable when `immutable` is set' },
    ]);
    expect(validateSecretUpdate(frozen, opaque).map((e) => e.field)).toEqual(['immutable']);
    const thawed = makeSecret('s').data({ a: 'y' }).obj();
    expect(validateSecretUpdate(frozen, thawed).map((e) => e.field)).toEqual(['immutable', 'data']);
    // The same values written through stringData are the same data.
    const same = parsed(patched(secret({ immutable: true }), { 'stringData.a': 'x' }));
    expect(validateSecretUpdate(frozen, { ...same, metadata: frozen.metadata })).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { isReason } from '../../../protocol/errors.js';
import { decodeKubernetesProtobuf } from './protobuf.js';

// A minimal protobuf writer for the test: length-delimited fields and varints.
const varint = (n: number): number[] => {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
};
const bytesField = (no: number, body: Buffer | string) => {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return Buffer.from([...varint(no * 8 + 2), ...varint(b.length), ...b]);
};
const intField = (no: number, n: number) => Buffer.from([...varint(no * 8), ...varint(n)]);
const envelope = (apiVersion: string, kind: string, raw: Buffer) =>
  Buffer.concat([
    Buffer.from('k8s\0', 'binary'),
    bytesField(1, Buffer.concat([bytesField(1, apiVersion), bytesField(2, kind)])),
    bytesField(2, raw),
  ]);
const mapEntry = (no: number, key: string, value: string) =>
  bytesField(no, Buffer.concat([bytesField(1, key), bytesField(2, value)]));

describe('decodeKubernetesProtobuf', () => {
  it('reads an object by the generated tables: maps, repeated fields, empty strings left out', () => {
    const meta = Buffer.concat([bytesField(1, 'cfg'), bytesField(4, ''), mapEntry(11, 'app', 'web')]);
    const configMap = Buffer.concat([bytesField(1, meta), mapEntry(2, 'a', 'b'), mapEntry(2, 'empty', '')]);
    expect(decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', configMap))).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', labels: { app: 'web' } },
      data: { a: 'b', empty: '' },
    });
  });

  it('reads IntOrString, Quantity-free ints and unknown fields (skipped)', () => {
    const port = Buffer.concat([
      intField(3, 80),
      bytesField(4, Buffer.concat([intField(1, 1), bytesField(3, 'http')])),
      intField(99, 7), // a field number the tables do not know
    ]);
    const spec = bytesField(1, port);
    const service = Buffer.concat([bytesField(1, bytesField(1, 'web')), bytesField(2, spec)]);
    expect(decodeKubernetesProtobuf(envelope('v1', 'Service', service))).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { ports: [{ port: 80, targetPort: 'http' }] },
    });
  });

  it.each([
    ['no envelope', Buffer.from('{"kind":"Pod"}'), 'BadRequest'],
    ['a truncated body', envelope('v1', 'ConfigMap', Buffer.from([0x0a, 0x10, 0x01])), 'BadRequest'],
    [
      'a kind it does not serve',
      envelope('networking.k8s.io/v1', 'Ingress', Buffer.alloc(0)),
      'UnsupportedMediaType',
    ],
  ])('refuses %s', (_, body, reason) => {
    let caught: unknown;
    try {
      decodeKubernetesProtobuf(body);
    } catch (err) {
      caught = err;
    }
    expect(isReason(caught, reason as 'BadRequest')).toBe(true);
  });
});

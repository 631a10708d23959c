/**
 * Kubernetes protobuf request bodies, decoded to the JSON objects the rest of the server handles.
 * kubectl's imperative commands (`create deployment|configmap|secret|namespace|job`, `run`,
 * `expose`) send built-in kinds as `application/vnd.kubernetes.protobuf`:
 *
 *   "k8s\0" ++ runtime.Unknown{ typeMeta{apiVersion, kind}, raw: <the object's message>, ... }
 *
 * The object's message is read with the field tables generated from Kubernetes' own
 * generated.proto files (`protobuf-schema.ts`), so field numbers are theirs, not guessed. Wire
 * format: proto2, varints, length-delimited fields, maps as repeated {key = 1, value = 2} entries.
 * A few apimachinery messages have JSON forms of their own (Time, Quantity, IntOrString, ...).
 * Answers stay JSON: the client reads whatever Content-Type the server sends.
 */
import { ApiError, badRequest } from '../../../protocol/errors.js';
import { K8S_PROTOBUF_MESSAGES } from './protobuf-schema.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/** Where each served apiVersion's messages live. */
const PACKAGES: Readonly<Record<string, string>> = {
  v1: 'k8s.io.api.core.v1',
  'apps/v1': 'k8s.io.api.apps.v1',
  'batch/v1': 'k8s.io.api.batch.v1',
  'coordination.k8s.io/v1': 'k8s.io.api.coordination.v1',
};

/** Decodes a `k8s\0`-framed protobuf body into the object's JSON form. */
export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  if (body.byteLength < MAGIC.byteLength || !body.subarray(0, MAGIC.byteLength).equals(MAGIC)) {
    throw badRequest('the protobuf body does not start with the Kubernetes envelope ("k8s\\x00")');
  }
  const unknown = decodeMessage('k8s.io.apimachinery.pkg.runtime.Unknown', body.subarray(MAGIC.byteLength));
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const { apiVersion = '', kind = '' } = typeMeta;
  const pkg = PACKAGES[apiVersion];
  const message = pkg ? `${pkg}.${kind}` : undefined;
  if (!message || !(message in K8S_PROTOBUF_MESSAGES)) {
    throw new ApiError(
      'UnsupportedMediaType',
      `${apiVersion} ${kind} cannot be sent as protobuf to this server: send it as application/json`,
    );
  }
  if (unknown.contentEncoding)
    throw badRequest(`unsupported protobuf content encoding ${String(unknown.contentEncoding)}`);
  const raw = Buffer.from(String(unknown.raw ?? ''), 'base64');
  return { apiVersion, kind, ...decodeMessage(message, raw) };
}

/** One message's fields, by the generated table, as JSON values. */
function decodeMessage(name: string, bytes: Buffer): Record<string, unknown> {
  const fields = K8S_PROTOBUF_MESSAGES[name];
  if (!fields) throw badRequest(`unknown protobuf message ${name}`);
  const byNumber = new Map(fields.map((f) => [f[0], f]));
  const out: Record<string, unknown> = {};
  const reader = new Reader(bytes);
  while (!reader.done) {
    const tag = reader.varint();
    const number = Math.floor(tag / 8);
    const wire = tag % 8;
    const field = byNumber.get(number);
    if (!field) {
      reader.skip(wire); // a field newer than the tables: left out, as a JSON decoder drops unknown fields
      continue;
    }
    const [, json, type, repeated] = field;
    const map = /^map<([\w.]+),([\w.]+)>$/.exec(type);
    if (map) {
      const entry = new Reader(reader.bytes());
      let key: unknown = '';
      let value: unknown = map[2] === 'string' ? '' : undefined;
      while (!entry.done) {
        const t = entry.varint();
        if (Math.floor(t / 8) === 1) key = readValue(entry, t % 8, map[1] ?? 'string');
        else if (Math.floor(t / 8) === 2) value = readValue(entry, t % 8, map[2] ?? 'string');
        else entry.skip(t % 8);
      }
      out[json] ??= {};
      const target = out[json] as Record<string, unknown>;
      target[String(key)] = value ?? (map[2] === 'bytes' ? '' : {});
      continue;
    }
    if (repeated) {
      out[json] ??= [];
      const list = out[json] as unknown[];
      if (wire === 2 && isPackable(type)) {
        const packed = new Reader(reader.bytes());
        while (!packed.done) list.push(readValue(packed, 0, type));
      } else list.push(readValue(reader, wire, type));
    } else {
      // Go writes every non-pointer field, set or not; its JSON leaves the empty ones out
      // (`omitempty`). So must we: an empty string or a zero time means "not set" here.
      const value = readValue(reader, wire, type);
      if (value === '' || value === undefined) delete out[json];
      else out[json] = value;
    }
  }
  return out;
}

const isPackable = (type: string) => ['int32', 'int64', 'uint32', 'uint64', 'bool'].includes(type);

/** A field's value in its JSON form. */
function readValue(reader: Reader, wire: number, type: string): unknown {
  switch (type) {
    case 'string':
      return reader.bytes().toString('utf8');
    case 'bytes':
      return reader.bytes().toString('base64');
    case 'bool':
      return reader.varint() !== 0;
    case 'int32':
    case 'int64':
    case 'uint32':
    case 'uint64':
      return reader.signed(type);
    case 'double':
      return reader.double();
    case 'float':
      return reader.float();
  }
  if (wire !== 2) throw badRequest(`protobuf field of type ${type} is not length-delimited`);
  const inner = reader.bytes();
  switch (type) {
    case `${META}.Time`:
    case `${META}.MicroTime`:
      return timestamp(decodeMessage(type, inner), type.endsWith('MicroTime'));
    case `${META}.Duration`:
      return `${Number(decodeMessage(type, inner).duration ?? 0) / 1e9}s`;
    case 'k8s.io.apimachinery.pkg.api.resource.Quantity':
      return decodeMessage(type, inner).string ?? '0';
    case 'k8s.io.apimachinery.pkg.util.intstr.IntOrString': {
      const v = decodeMessage(type, inner);
      return v.type === 1 ? (v.strVal ?? '') : (v.intVal ?? 0);
    }
    case 'k8s.io.apimachinery.pkg.runtime.RawExtension': {
      const raw = Buffer.from(String(decodeMessage(type, inner).raw ?? ''), 'base64').toString('utf8');
      try {
        return raw === '' ? {} : (JSON.parse(raw) as unknown);
      } catch (_notJson) {
        // A RawExtension need not be JSON; nothing Skiff serves reads one, so keep the text.
        return raw;
      }
    }
    default:
      return decodeMessage(type, inner);
  }
}

/** `{seconds, nanos}` as RFC 3339, as Kubernetes writes times in JSON; the zero time is "not set". */
function timestamp(v: Record<string, unknown>, micro: boolean): string | undefined {
  if (!v.seconds && !v.nanos) return undefined;
  const ms = Number(v.seconds ?? 0) * 1000;
  const iso = new Date(ms).toISOString().replace(/\.\d{3}Z$/, '');
  if (!micro) return `${iso}Z`;
  const micros = Math.floor(Number(v.nanos ?? 0) / 1000);
  return `${iso}.${String(micros).padStart(6, '0')}Z`;
}

/** Reads the protobuf wire format. */
class Reader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}

  get done(): boolean {
    return this.offset >= this.buffer.byteLength;
  }

  /** An unsigned varint (exact up to 2^53, which every Kubernetes number is). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.buffer[this.offset++];
      if (byte === undefined) throw badRequest('truncated protobuf body');
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
    throw badRequest('malformed protobuf varint');
  }

  /** An int32/int64 varint: negative numbers come as their 64-bit two's complement. */
  signed(type: string): number {
    const value = this.varint();
    if ((type === 'int32' || type === 'int64') && value >= 2 ** 63) return value - 2 ** 64;
    return value;
  }

  bytes(): Buffer {
    const length = this.varint();
    const end = this.offset + length;
    if (end > this.buffer.byteLength) throw badRequest('truncated protobuf body');
    const out = this.buffer.subarray(this.offset, end);
    this.offset = end;
    return out;
  }

  double(): number {
    const v = this.buffer.readDoubleLE(this.offset);
    this.offset += 8;
    return v;
  }

  float(): number {
    const v = this.buffer.readFloatLE(this.offset);
    this.offset += 4;
    return v;
  }

  /** Skips a field of wire type `wire`. */
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.offset += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.offset += 4;
    else throw badRequest(`unsupported protobuf wire type ${wire}`);
  }
}

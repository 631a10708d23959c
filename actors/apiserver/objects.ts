/**
 * Small helpers the verbs share: object keys, server-set metadata, time formatting, raw JSON
 * pass-through, and the per-kind rules of what a write may change (the "strategy").
 */
import { notFound } from '../../protocol/errors.js';
import { type JsonValue, jsonEqual } from '../../protocol/patch/json.js';
import type { AnyObject, ResourceType } from '../../protocol/resources/registry.js';
import { resourceByPlural } from '../../protocol/resources/registry.js';
import type { ObjectKey } from './store/store.js';

/** A mutable deep copy: handlers clone before they edit, and never touch what they read. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

/** JSON text sent on as it is: a get or an unfiltered list never parses and re-encodes objects. */
export class RawJson {
  constructor(readonly json: string) {}
  toJSON(): unknown {
    return JSON.parse(this.json);
  }
}

/** The resource type for a plural name, or 404 the way Kubernetes answers an unknown resource. */
export function resourceType(resource: string): ResourceType {
  const type = resourceByPlural(resource);
  if (!type) throw notFound('resource', resource);
  return type;
}

/** Where an object of `type` named `name` lives. Cluster-scoped kinds ignore the namespace. */
export function objectKey(type: ResourceType, namespace: string | undefined, name: string): ObjectKey {
  return { resource: type.plural, namespace: type.namespaced ? (namespace ?? 'default') : '', name };
}

/** RFC 3339 with second precision, as Kubernetes writes `creationTimestamp`. */
export function rfc3339(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** RFC 3339 with microseconds, as Kubernetes writes MicroTime fields (Lease renewTime). */
export function microTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000Z`;
}

// Kubernetes' generateName alphabet: no vowels (no words), no easily confused characters.
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A `generateName` completion: the prefix and five random characters. */
export function generateName(prefix: string, random: () => number): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += NAME_ALPHABET[Math.floor(random() * NAME_ALPHABET.length)];
  return `${prefix}${suffix}`;
}

/** The node a pod is bound to ('' while unbound or for other kinds): the store's node index. */
export function nodeOf(obj: AnyObject): string {
  return obj.kind === 'Pod' ? (obj.spec.nodeName ?? '') : '';
}

/** Parses stored JSON; the store only ever holds validated objects. */
export function parseStored(json: string): AnyObject {
  return JSON.parse(json) as AnyObject;
}

/** True when two versions differ in anything but `metadata.resourceVersion`. */
export function changed(a: AnyObject, b: AnyObject): boolean {
  return !jsonEqual(withoutRevision(a) as JsonValue, withoutRevision(b) as JsonValue);
}

function withoutRevision(obj: AnyObject): unknown {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/** The part of an object whose change bumps `metadata.generation`: everything but metadata and status. */
export function specOf(obj: AnyObject): unknown {
  const { metadata: _m, status: _s, ...rest } = obj as AnyObject & { status?: unknown };
  return rest;
}

/** The revision a stored object carries. */
export function revisionOf(obj: AnyObject): number {
  return Number(obj.metadata.resourceVersion ?? 0);
}

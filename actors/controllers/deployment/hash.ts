/**
 * The pod template hash, in the spirit of Kubernetes' ComputeHash: FNV-1a (32 bits) over the
 * template, plus the collision count when there is one, written with the `generateName` alphabet
 * (no vowels, so no words). The template is hashed as canonical JSON (keys sorted), so two equal
 * templates hash alike however their keys were ordered.
 */
import { POD_TEMPLATE_HASH_LABEL } from '../../../protocol/resources/deployment.js';
import type { PodTemplateSpec } from '../../../protocol/resources/pod.js';

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The hash that names a Deployment's ReplicaSet for `template` (`web-5d9c7b8f6`). */
export function computeHash(template: Readonly<PodTemplateSpec>, collisionCount?: number): string {
  let hash = fnv1a(0x811c9dc5, new TextEncoder().encode(canonicalJson(template)));
  if (collisionCount !== undefined) {
    // As Kubernetes: the count as 8 little-endian bytes (the upper four zero).
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    hash = fnv1a(hash, bytes);
  }
  // Kubernetes' SafeEncodeString of the decimal digits: one safe character per digit.
  return [...String(hash)].map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

function fnv1a(seed: number, bytes: Uint8Array): number {
  let hash = seed;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** JSON with object keys sorted at every depth, `undefined` members left out. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** The template without the `pod-template-hash` label (and without labels, when that was the only one). */
export function withoutHashLabel(template: Readonly<PodTemplateSpec>): PodTemplateSpec {
  const copy = structuredClone(template) as PodTemplateSpec;
  const labels = { ...copy.metadata.labels };
  delete labels[POD_TEMPLATE_HASH_LABEL];
  copy.metadata = { ...copy.metadata, labels };
  return copy;
}

/** Kubernetes' EqualIgnoreHash: the two templates are equal but for the `pod-template-hash` label. */
export function equalIgnoringHash(a: Readonly<PodTemplateSpec>, b: Readonly<PodTemplateSpec>): boolean {
  return canonicalJson(withoutHashLabel(a)) === canonicalJson(withoutHashLabel(b));
}

/**
 * The base of the fixture builders: metadata setters shared by every kind, and `obj()`, which
 * runs the built document through the kind's schema so that every fixture is a valid, defaulted
 * object, exactly as the API server would store it. Test-only: production code never imports
 * `protocol/testing`.
 */
import type { z } from 'zod';
import type { KubeObject, ObjectMetaInput, OwnerReference } from '../meta.js';
import { fieldErrorsFromIssues } from '../validation/zod-errors.js';

/** The creation time every fixture gets unless told otherwise (a fixed instant keeps tests deterministic). */
export const FIXTURE_TIME = '2024-01-01T00:00:00Z';

/** The uid a fixture gets unless told otherwise: readable and unique per kind, namespace and name. */
export function fixtureUid(kind: string, name: string, namespace?: string): string {
  return ['uid', kind.toLowerCase(), namespace, name].filter(Boolean).join('-');
}

/** Builds one kind of object through its schema; subclasses add the kind's own setters. */
export abstract class ObjectBuilder<Out extends KubeObject> {
  protected meta: ObjectMetaInput;

  protected constructor(
    private readonly schema: z.ZodType<Out>,
    protected readonly kind: string,
    name: string,
    namespace: string | undefined,
  ) {
    this.meta = {
      name,
      ...(namespace === undefined ? {} : { namespace }),
      uid: fixtureUid(kind, name, namespace),
      creationTimestamp: FIXTURE_TIME,
    };
  }

  /** The document as built so far, before parsing (what a client would send). */
  protected abstract document(): Record<string, unknown>;

  /** Sets the namespace (and keeps the default uid in step with it). */
  namespace(namespace: string): this {
    const uid =
      this.meta.uid === fixtureUid(this.kind, this.meta.name ?? '', this.meta.namespace)
        ? undefined
        : this.meta.uid;
    this.meta = {
      ...this.meta,
      namespace,
      uid: uid ?? fixtureUid(this.kind, this.meta.name ?? '', namespace),
    };
    return this;
  }

  /** Adds labels (merged over the ones already set). */
  labels(labels: Record<string, string>): this {
    this.meta = { ...this.meta, labels: { ...this.meta.labels, ...labels } };
    return this;
  }

  /** Adds annotations (merged over the ones already set). */
  annotations(annotations: Record<string, string>): this {
    this.meta = { ...this.meta, annotations: { ...this.meta.annotations, ...annotations } };
    return this;
  }

  /** Sets the uid. */
  uid(uid: string): this {
    this.meta = { ...this.meta, uid };
    return this;
  }

  /** Sets the resourceVersion. */
  resourceVersion(resourceVersion: string): this {
    this.meta = { ...this.meta, resourceVersion };
    return this;
  }

  /** Sets metadata.generation. */
  generation(generation: number): this {
    this.meta = { ...this.meta, generation };
    return this;
  }

  /** Sets the creation time (RFC 3339). */
  createdAt(timestamp: string): this {
    this.meta = { ...this.meta, creationTimestamp: timestamp };
    return this;
  }

  /** Marks the object as being deleted at `timestamp`. */
  deleting(timestamp: string = FIXTURE_TIME): this {
    this.meta = { ...this.meta, deletionTimestamp: timestamp };
    return this;
  }

  /** Sets the finalizers. */
  finalizers(...finalizers: string[]): this {
    this.meta = { ...this.meta, finalizers };
    return this;
  }

  /** Adds an owner reference to `owner` (a controller reference unless `controller: false`). */
  ownedBy(owner: KubeObject, options: { controller?: boolean } = {}): this {
    const ref: OwnerReference = {
      apiVersion: owner.apiVersion,
      kind: owner.kind,
      name: owner.metadata.name ?? '',
      uid: owner.metadata.uid ?? '',
      controller: options.controller ?? true,
      blockOwnerDeletion: true,
    };
    this.meta = { ...this.meta, ownerReferences: [...(this.meta.ownerReferences ?? []), ref] };
    return this;
  }

  /** The document before parsing: what a client would send (a deep copy, safe to edit). */
  input(): Record<string, unknown> {
    return structuredClone(this.document());
  }

  /** The valid, defaulted object; throws with every field error if the fixture is invalid. */
  obj(): Out {
    const parsed = this.schema.safeParse(structuredClone(this.document()), { reportInput: true });
    if (parsed.success) return parsed.data;
    const problems = fieldErrorsFromIssues(parsed.error.issues)
      .map((e) => e.message)
      .join('; ');
    throw new Error(`invalid ${this.kind} fixture ${this.meta.name ?? ''}: ${problems}`);
  }
}

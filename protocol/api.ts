/**
 * The API envelope: what travels on `skiff.api.<verb>.<resource>[.<subresource>]` and back.
 *
 * The subject names the verb, resource and subresource; the body names the object and options.
 * Requests are decoded and validated once, where the bytes leave the bus; replies carry either the
 * result or a Kubernetes `Status`.
 */
import { z } from 'zod';
import type { Status } from './errors.js';
import type { ApiVerb } from './subjects.js';

/** Deletion propagation, as in Kubernetes DeleteOptions. */
export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

/** The patch formats the API server accepts (the Content-Type values kubectl sends). */
export const PATCH_TYPES = [
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/json-patch+json',
] as const;
export type PatchContentType = (typeof PATCH_TYPES)[number];

/** The subresources Skiff serves. */
export const SUBRESOURCES = ['status', 'scale', 'binding', 'log', 'exec'] as const;
export type Subresource = (typeof SUBRESOURCES)[number];

const fenceSchema = z.object({
  lease: z.object({ namespace: z.string(), name: z.string() }),
  holderIdentity: z.string(),
  leaseTransitions: z.number().int().nonnegative(),
});

/** Lease-based fencing token: the write only happens while this holder still holds the lease. */
export type FenceToken = z.infer<typeof fenceSchema>;

const optionsSchema = z
  .object({
    labelSelector: z.string(),
    fieldSelector: z.string(),
    limit: z.number().int().nonnegative(),
    continue: z.string(),
    resourceVersion: z.string(),
    dryRun: z.boolean(),
    propagationPolicy: z.enum(['Foreground', 'Background', 'Orphan']),
    gracePeriodSeconds: z.number().int().nonnegative(),
    preconditions: z.object({ uid: z.string().optional(), resourceVersion: z.string().optional() }),
    fieldManager: z.string(),
    fence: fenceSchema,
    // pods/log (Kubernetes' PodLogOptions)
    container: z.string(),
    tailLines: z.number().int().nonnegative(),
    sinceSeconds: z.number().int().positive(),
    previous: z.boolean(),
    limitBytes: z.number().int().positive(),
    follow: z.boolean(),
  })
  .partial();

/** Options of a request; which ones apply depends on the verb. */
export type RequestOptions = z.infer<typeof optionsSchema>;

const bodySchema = z.object({
  namespace: z.string().optional(),
  name: z.string().optional(),
  body: z.unknown().optional(),
  patchType: z.enum(PATCH_TYPES).optional(),
  options: optionsSchema.optional(),
});

/** The body of a bus request (the subject carries the rest). */
export type RequestBody = z.infer<typeof bodySchema>;

/** A decoded request, whichever face (bus or HTTP) it came in on. */
export interface ApiRequest extends RequestBody {
  readonly verb: ApiVerb;
  readonly resource: string;
  readonly subresource?: Subresource;
}

/** A reply: the result (an object, a list, a Status for DELETE) or the failure's Status. */
export type ApiResponse =
  | { readonly ok: true; readonly body: unknown; readonly warnings?: readonly string[] }
  | { readonly ok: false; readonly status: Status };

/** Parses a request body; returns the zod issues as one readable message on failure. */
export function parseRequestBody(
  value: unknown,
): { ok: true; body: RequestBody } | { ok: false; message: string } {
  const parsed = bodySchema.safeParse(value);
  if (parsed.success) return { ok: true, body: parsed.data };
  const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
  return { ok: false, message };
}

/** True for the verbs a subresource can be used with. */
export function isSubresource(value: string): value is Subresource {
  return (SUBRESOURCES as readonly string[]).includes(value);
}

/** The Kubernetes `List` shape returned by list. */
export interface ObjectList<T = unknown> {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly resourceVersion: string;
    readonly continue?: string;
    readonly remainingItemCount?: number;
  };
  readonly items: readonly T[];
}

/** A watch event as it travels on `skiff.events.…` and on HTTP watch streams. */
export type WatchEvent<T = unknown> =
  | { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'; readonly object: T }
  | {
      readonly type: 'BOOKMARK';
      readonly object: {
        readonly kind: string;
        readonly apiVersion: string;
        readonly metadata: { readonly resourceVersion: string };
      };
    }
  | { readonly type: 'ERROR'; readonly object: Status };

/** Header on every stored event: the revision of the write it reports. */
export const REVISION_HEADER = 'Skiff-Revision';
/** Header on a stored event whose object was too large for the bus: watchers fetch it instead. */
export const TRUNCATED_HEADER = 'Skiff-Truncated';
/** Header on replies: the HTTP code of the outcome, so a client can branch without parsing. */
export const STATUS_CODE_HEADER = 'Status-Code';

/** Content-Type of a Skiff apply (a client-side-apply document the server plans and patches). */
export const APPLY_CONTENT_TYPE = 'application/vnd.skiff.apply+json';

/** Header carrying a request's lease fence token as JSON. */
export const FENCE_HEADER = 'Skiff-Fence';

/**
 * Pure parts of talking to libpod: building request paths (`/v4.0.0/libpod/...?filters=...`) and
 * turning an error response into one of the runtime errors of `protocol/errors.ts`. The client
 * (`libpod-client.ts`) does the I/O; these are what its unit tests pin down.
 */
import { ImagePullError, RuntimeError, RuntimeObjectNotFoundError } from '../../../../protocol/errors.js';
import { LibpodErrorBody, type LibpodFilters } from './libpod-types.js';

/** The API version in every path. Podman captures the version but does not check it; 4.0.0 is the floor. */
export const LIBPOD_API_VERSION = '4.0.0';

/** A query value: arrays repeat the key (`condition=a&condition=b`), undefined leaves it out. */
export type QueryValue = string | number | boolean | readonly string[] | undefined;

/** `/v{version}/libpod{path}?{query}`: the one place a libpod path is built; `path` starts with `/`. */
export function libpodPath(
  path: string,
  query: Readonly<Record<string, QueryValue>> = {},
  apiVersion: string = LIBPOD_API_VERSION,
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else params.set(key, String(value));
  }
  const qs = params.toString();
  return `/v${apiVersion}/libpod${path}${qs ? `?${qs}` : ''}`;
}

/** A path segment naming an object (id or name), escaped. */
export function segment(idOrName: string): string {
  return encodeURIComponent(idOrName);
}

/** `{"label": ["k=v", ...]}` as libpod's `filters` query parameter wants it (JSON); undefined when empty. */
export function encodeFilters(filters: LibpodFilters): string | undefined {
  const entries = Object.entries(filters).filter(([, values]) => values.length > 0);
  return entries.length === 0 ? undefined : JSON.stringify(Object.fromEntries(entries));
}

/** Label filter values: `{a: 'b', c: true}` → `["a=b", "c"]` (`true`: the key is present, any value). */
export function labelFilter(labels: Readonly<Record<string, string | true>>): string[] {
  return Object.entries(labels).map(([key, value]) => (value === true ? key : `${key}=${value}`));
}

/** What a request was about, so that a 404 or a missing image names the right thing. */
export interface RequestTarget {
  readonly kind?: 'container' | 'sandbox';
  readonly id?: string;
  /** Set on container create: "image not known" there means the image is missing. */
  readonly image?: string;
}

/** Parses libpod's error body `{cause, message, response}`; anything else becomes the message. */
export function parseErrorBody(text: string): LibpodErrorBody {
  try {
    const parsed = LibpodErrorBody.safeParse(JSON.parse(text));
    if (parsed.success && (parsed.data.message || parsed.data.cause)) return parsed.data;
  } catch {
    // Not JSON (a proxy's or a crashed server's page): the text itself is the best message.
  }
  return { message: text.trim().slice(0, 500) || undefined };
}

/**
 * The runtime error for a failed libpod call: 404 on a container or pod → RuntimeObjectNotFoundError;
 * a missing image on create → ImagePullError; anything else → RuntimeError carrying libpod's
 * `message` (and its `cause` as the error's cause).
 */
export function errorFromResponse(
  what: string,
  status: number,
  body: LibpodErrorBody,
  target: RequestTarget = {},
): RuntimeError {
  const message = body.message ?? body.cause;
  if (target.image !== undefined && isImageMissing(status, body)) {
    return new ImagePullError(
      target.image,
      `image not in the local store and not pulled (${message ?? `HTTP ${status}`})`,
      {
        cause: body.cause,
      },
    );
  }
  if (status === 404 && target.kind !== undefined && target.id !== undefined) {
    return new RuntimeObjectNotFoundError(target.kind, target.id);
  }
  const detail = message === undefined ? `HTTP ${status}` : `${message} (HTTP ${status})`;
  return new RuntimeError(`podman: ${what}: ${detail}`, { cause: body.cause });
}

/** Podman 4.3 answers a create from a missing image with 500 "image not known" (404 in later versions). */
function isImageMissing(status: number, body: LibpodErrorBody): boolean {
  const text = `${body.cause ?? ''} ${body.message ?? ''}`.toLowerCase();
  return (
    (status === 404 || status === 500) && (text.includes('image not known') || text.includes('no such image'))
  );
}

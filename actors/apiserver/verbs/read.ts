/**
 * get and list. Reads never parse what they do not have to: a get and an unfiltered list send
 * the stored JSON on as it is.
 */
import type { ApiRequest } from '../../../protocol/api.js';
import { badRequest, expired, notFound } from '../../../protocol/errors.js';
import type { AnyObject, ResourceType } from '../../../protocol/resources/registry.js';
import { compileSelection, parseLimit, type Selection } from '../../../protocol/selectors/selection.js';
import type { ApiDeps } from '../deps.js';
import { objectKey, RawJson, resourceType } from '../objects.js';
import { keyString, type ListOptions, type ListResult } from '../store/store.js';
import type { Outcome } from './write.js';

/** GET one object. */
export async function get(deps: ApiDeps, req: ApiRequest): Promise<Outcome> {
  const type = resourceType(req.resource);
  if (!req.name) throw badRequest('name is required for a get');
  const json = await deps.store.get(objectKey(type, req.namespace, req.name));
  if (json === undefined) throw notFound(type.plural, req.name);
  return { body: new RawJson(json) };
}

/** The opaque `continue` token: where the next page starts and the revision of the first page. */
interface Continue {
  readonly rv: number;
  readonly after: string;
}

function encodeContinue(token: Continue): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeContinue(value: string): Continue {
  try {
    const token = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Continue>;
    if (typeof token.rv === 'number' && typeof token.after === 'string')
      return { rv: token.rv, after: token.after };
  } catch (err) {
    // falls through to the BadRequest below, which is the answer to any malformed token
    void err;
  }
  throw badRequest('continue key is not valid');
}

/** Kubernetes' words for a continue token whose snapshot can no longer be served. */
export const EXPIRED_CONTINUE_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';

/**
 * LIST: one resource, optionally one namespace, filtered by label and field selectors, paged by
 * `limit`/`continue` and by `limits.maxListBytes`: a page cut by either ends with a continue token,
 * even when the client asked for no limit (Kubernetes allows fewer items with a token).
 *
 * The pages of one list are one snapshot, at the first page's revision: the store serves a continue
 * page only when it can prove nothing in the page's range changed since, and otherwise the answer
 * is 410 Expired, after which the client starts a new list. So a watch from the list's revision
 * sees exactly the changes the list does not hold.
 */
export async function list(deps: ApiDeps, req: ApiRequest): Promise<Outcome> {
  const type = resourceType(req.resource);
  const options = req.options ?? {};
  const selection = compileSelection(type, options.labelSelector, options.fieldSelector);
  const limit = parseLimit(options.limit) ?? 0;
  const token = options.continue ? decodeContinue(options.continue) : undefined;
  const namespace = type.namespaced ? req.namespace || selection.exact('metadata.namespace') : undefined;
  const node = type.plural === 'pods' ? selection.exact('spec.nodeName') : undefined;
  const base: ListOptions = {
    ...(namespace ? { namespace } : {}),
    ...(node !== undefined ? { node } : {}),
    maxBytes: deps.limits.maxListBytes,
  };

  const page = selection.everything
    ? await deps.store.list(type.plural, {
        ...base,
        after: token?.after,
        limit,
        ...(token ? { revision: token.rv } : {}),
      })
    : await filteredPages(deps, type, selection, base, limit, token);
  if (page.expired) throw expired(EXPIRED_CONTINUE_MESSAGE);
  return { body: new RawJson(listJson(type, page.revision, page.more, page.items)) };
}

/**
 * Reads store pages of one snapshot until `limit` matching objects are found, their JSON reaches
 * the byte budget, or the store is exhausted. Store pages after the first are continue pages at the
 * first one's revision, checked as a client's would be.
 */
async function filteredPages(
  deps: ApiDeps,
  type: ResourceType,
  selection: Selection,
  base: ListOptions,
  limit: number,
  token: Continue | undefined,
): Promise<ListResult> {
  const budget = base.maxBytes ?? 0;
  const items: string[] = [];
  let bytes = 0;
  let after = token?.after;
  let revision = token?.rv;
  const pageSize = limit > 0 ? Math.max(limit, 500) : 0;
  for (;;) {
    const page = await deps.store.list(type.plural, {
      ...base,
      after,
      limit: pageSize,
      ...(revision !== undefined ? { revision } : {}),
    });
    if (page.expired) {
      // Only this request's first read answers 410. A later one found its range changed after
      // what this reply already holds: send that, consistent as it is, with a token to go on
      // from; the next request meets the change and answers 410 itself.
      if (after === token?.after) return page;
      return { items, revision: page.revision, ...(after !== undefined ? { more: after } : {}) };
    }
    revision ??= page.revision;
    // The key of the last object looked at on this page, matching or not.
    let considered = after;
    for (const [i, json] of page.items.entries()) {
      const obj = JSON.parse(json) as AnyObject;
      if (selection.matches(obj)) {
        const size = Buffer.byteLength(json) + (items.length > 0 ? 1 : 0);
        if (items.length > 0 && budget > 0 && bytes + size > budget) {
          return { items, revision, ...(considered !== undefined ? { more: considered } : {}) };
        }
        items.push(json);
        bytes += size;
      }
      considered = keyString({ namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' });
      if (limit > 0 && items.length === limit) {
        // More remain if this page had more items after this one, or the store has more pages.
        const moreHere = i < page.items.length - 1 || page.more !== undefined;
        return { items, revision, ...(moreHere ? { more: considered } : {}) };
      }
    }
    if (page.more === undefined) return { items, revision };
    after = page.more;
  }
}

function listJson(
  type: ResourceType,
  revision: number,
  more: string | undefined,
  items: readonly string[],
): string {
  const metadata: Record<string, string> = { resourceVersion: String(revision) };
  if (more !== undefined) metadata.continue = encodeContinue({ rv: revision, after: more });
  return `{"apiVersion":${JSON.stringify(type.apiVersion)},"kind":"${type.kind}List","metadata":${JSON.stringify(metadata)},"items":[${items.join(',')}]}`;
}

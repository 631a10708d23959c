/**
 * get and list. Reads never parse what they do not have to: a get and an unfiltered list send
 * the stored JSON on as it is.
 */
import type { ApiRequest } from '../../../protocol/api.js';
import { compileSelection, parseLimit, type Selection } from '../../../protocol/client/selection.js';
import { badRequest, notFound } from '../../../protocol/errors.js';
import type { AnyObject, ResourceType } from '../../../protocol/resources/registry.js';
import type { ApiDeps } from '../deps.js';
import { objectKey, RawJson, resourceType } from '../objects.js';
import type { ListOptions } from '../store/store.js';
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

/**
 * LIST: one resource, optionally one namespace, filtered by label and field selectors, paged by
 * `limit`/`continue`. Every page reports the first page's revision, so a watch started from it
 * sees every change made while the pages were read (replays are dropped by the watcher).
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
  };

  if (selection.everything) {
    const page = await deps.store.list(type.plural, { ...base, after: token?.after, limit });
    const rv = token?.rv ?? page.revision;
    return { body: new RawJson(listJson(type, rv, page.more, page.items)) };
  }
  const { items, revision, more } = await filteredPages(deps, type, selection, base, limit, token);
  return { body: new RawJson(listJson(type, token?.rv ?? revision, more, items)) };
}

/** Reads store pages until `limit` matching objects are found or the store is exhausted. */
async function filteredPages(
  deps: ApiDeps,
  type: ResourceType,
  selection: Selection,
  base: ListOptions,
  limit: number,
  token: Continue | undefined,
): Promise<{ items: string[]; revision: number; more?: string }> {
  const items: string[] = [];
  let after = token?.after;
  let revision: number | undefined;
  const pageSize = limit > 0 ? Math.max(limit, 500) : 0;
  for (;;) {
    const page = await deps.store.list(type.plural, { ...base, after, limit: pageSize });
    revision ??= page.revision;
    for (const json of page.items) {
      const obj = JSON.parse(json) as AnyObject;
      if (!selection.matches(obj)) continue;
      items.push(json);
      if (limit > 0 && items.length === limit) {
        const last = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
        // More remain if this page had more items after this one, or the store has more pages.
        const moreHere = json !== page.items.at(-1) || page.more !== undefined;
        return { items, revision, ...(moreHere ? { more: last } : {}) };
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

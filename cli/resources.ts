/**
 * What a user means by a resource argument, kubectl-style: `po`, `pods`, `Pod`, `deployment.apps`,
 * `pods,svc`, `all`, and `TYPE/NAME` (`pod/web`, `deploy/web`), resolved against the registry.
 */
import { type ResourceType, resolveResource, resourceByPlural } from '../protocol/resources/registry.js';
import { CommandError } from './output/errors.js';

/** One type and the names asked for (none: every object of the type). */
export interface ResourceRequest {
  readonly type: ResourceType;
  readonly names: readonly string[];
}

/** What `get all` lists, in kubectl's order (core, then apps, then batch). */
export const ALL_CATEGORY: readonly string[] = [
  'pods',
  'services',
  'daemonsets',
  'deployments',
  'replicasets',
  'jobs',
];

/** The type a user names; kubectl's error for one the server does not have. */
export function resolveType(name: string): ResourceType {
  const type = resolveResource(name);
  if (!type) throw new CommandError(`the server doesn't have a resource type "${name}"`);
  return type;
}

/** `pods,svc` or `all` into types, in the order given, without repeats. */
export function resolveTypes(list: string): ResourceType[] {
  const out: ResourceType[] = [];
  for (const part of list.split(',')) {
    if (part === '') continue;
    const types =
      part.toLowerCase() === 'all'
        ? ALL_CATEGORY.map((p) => resourceByPlural(p) as ResourceType)
        : [resolveType(part)];
    for (const t of types) if (!out.includes(t)) out.push(t);
  }
  if (out.length === 0) throw new CommandError(`the server doesn't have a resource type "${list}"`);
  return out;
}

/**
 * kubectl's argument forms: `TYPE[,TYPE...] [NAME...]` or `TYPE/NAME...` (not both). Requests for
 * `TYPE/NAME` arguments of the same type are merged, in the order they first appear.
 */
export function parseResourceArgs(args: readonly string[]): ResourceRequest[] {
  const [first, ...rest] = args;
  if (first === undefined) throw new CommandError('Required resource not specified.');
  if (!args.some((a) => a.includes('/'))) {
    return resolveTypes(first).map((type) => ({ type, names: rest }));
  }
  if (!args.every((a) => a.includes('/'))) {
    throw new CommandError(
      "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'skiff get resource/<resource_name>' instead of 'skiff get resource resource/<resource_name>'",
    );
  }
  const requests: { type: ResourceType; names: string[] }[] = [];
  for (const arg of args) {
    const slash = arg.indexOf('/');
    const type = resolveType(arg.slice(0, slash));
    const name = arg.slice(slash + 1);
    if (name === '')
      throw new CommandError(`arguments in resource/name form must have a single resource and name`);
    const existing = requests.find((r) => r.type === type);
    if (existing) existing.names.push(name);
    else requests.push({ type, names: [name] });
  }
  return requests;
}

/** kubectl's `kind.group` prefix of `-o name` and multi-type tables: `pod`, `deployment.apps`, `job.batch`. */
export function kindPrefix(type: ResourceType): string {
  return type.group === '' ? type.singular : `${type.singular}.${type.group}`;
}

/** `pods`, `deployments.apps`: how kubectl names a type in messages. */
export function qualifiedPlural(type: ResourceType): string {
  return type.group === '' ? type.plural : `${type.plural}.${type.group}`;
}

/** The run of `skiff label` and `skiff annotate`: find the objects, plan each change, patch, print. */
import type { ResourceType } from '../../protocol/resources/registry.js';
import type { Connection } from '../client.js';
import { CommandError } from '../output/errors.js';
import { parseResourceArgs } from '../resources.js';
import { type MapKind, parseMapChanges, planMapChange } from './labels.js';
import { refLine } from './messages.js';

/** The flags both verbs take. */
export interface MapVerbFlags {
  readonly overwrite: boolean;
  readonly selector?: string | undefined;
  readonly all: boolean;
  readonly 'dry-run'?: string | undefined;
}

/** Splits `TYPE NAME... k=v k2-` into the resource arguments and the changes. */
export function splitMapArgs(args: readonly string[]): { resources: string[]; changes: string[] } {
  const first = args.findIndex((a) => a.includes('=') || (a.endsWith('-') && !a.includes('/')));
  if (first < 0) return { resources: [...args], changes: [] };
  return { resources: args.slice(0, first), changes: args.slice(first) };
}

type Meta = {
  metadata: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
};

/** Labels or annotates every object the arguments name, printing `pod/web labeled` for each. */
export async function runMapVerb(
  conn: Connection,
  kind: MapKind,
  args: readonly string[],
  flags: MapVerbFlags,
): Promise<void> {
  const { resources, changes: changeArgs } = splitMapArgs(args);
  const changes = parseMapChanges(changeArgs, kind);
  const requests = parseResourceArgs(resources);
  const field = kind === 'label' ? 'labels' : 'annotations';
  const targets: { type: ResourceType; object: Meta }[] = [];
  for (const { type, names } of requests) {
    const ns = type.namespaced ? conn.namespace : '';
    if (names.length > 0) {
      for (const name of names)
        targets.push({ type, object: await conn.client.get<Meta>(type.plural, ns, name) });
    } else if (flags.selector || flags.all) {
      const list = await conn.client.listAll<Meta>(type.plural, {
        ...(type.namespaced ? { namespace: ns } : {}),
        ...(flags.selector ? { labelSelector: flags.selector } : {}),
      });
      for (const object of list.items) targets.push({ type, object });
    } else {
      throw new CommandError('resource(s) were provided, but no name was specified');
    }
  }
  for (const { type, object } of targets) {
    const name = object.metadata.name ?? '';
    const plan = planMapChange(object.metadata[field] ?? {}, changes, { kind, overwrite: flags.overwrite });
    for (const note of plan.notes) process.stdout.write(`${note}\n`);
    if (Object.keys(plan.patch).length > 0 && flags['dry-run'] !== 'client') {
      await conn.client.patch(
        type.plural,
        object.metadata.namespace ?? '',
        name,
        { metadata: { [field]: plan.patch, resourceVersion: undefined } },
        'application/merge-patch+json',
        flags['dry-run'] === 'server' ? { dryRun: true } : {},
      );
    }
    process.stdout.write(`${refLine(type, name, plan.verb)}\n`);
  }
}

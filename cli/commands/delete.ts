import { Command, Flags } from '@oclif/core';
import type { PropagationPolicy } from '../../protocol/api.js';
import { isReason } from '../../protocol/errors.js';
import type { ResourceType } from '../../protocol/resources/registry.js';
import { type Connection, listFlags } from '../client.js';
import { readManifests } from '../manifests.js';
import { CommandError, printApiError } from '../output/errors.js';
import { parseResourceArgs, qualifiedPlural } from '../resources.js';
import { dryRunFlag, filenameFlag, recursiveFlag } from '../writing/flags.js';
import { type DryRun, deletedLine, parseDryRun } from '../writing/messages.js';
import { placeManifest } from '../writing/objects.js';
import { parseDuration, reportFailures, sleep, withConnection } from '../writing/run.js';

/** One object to delete. */
interface Target {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly name: string;
}

const CASCADES: Record<string, PropagationPolicy> = {
  background: 'Background',
  foreground: 'Foreground',
  orphan: 'Orphan',
};

const FORCE_WARNING =
  'Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.';

/**
 * `skiff delete`: by file, by name, by label selector or `--all`, as kubectl does, printing
 * `pod "web" deleted` per object; then (`--wait`, the default) waits until every one is gone.
 */
export default class Delete extends Command {
  static override description =
    `Delete resources by file names, stdin, resources and names, or by resources and label selector

--cascade picks what happens to dependents: background (default: the owner goes at once, the
garbage collector removes its dependents), foreground (dependents first) or orphan (they stay).
By default the command waits until the objects are gone (--wait=false returns at once).`;

  static override examples = [
    '<%= config.bin %> delete -f web.yaml',
    '<%= config.bin %> delete pod web',
    '<%= config.bin %> delete deploy/web svc/web',
    '<%= config.bin %> delete pods -l app=web',
    '<%= config.bin %> delete pods --all',
    '<%= config.bin %> delete deploy web --cascade=orphan',
    '<%= config.bin %> delete pod web --now',
    '<%= config.bin %> delete pod web --grace-period=0 --force',
  ];

  static override strict = false;

  static override flags = {
    ...listFlags,
    filename: filenameFlag,
    recursive: recursiveFlag,
    all: Flags.boolean({ description: 'Delete every object of the type in the namespace' }),
    cascade: Flags.string({
      description: 'background, foreground or orphan: what happens to dependents',
      default: 'background',
    }),
    wait: Flags.string({
      description: 'Wait until the objects are gone before returning (true|false)',
      default: 'true',
    }),
    'grace-period': Flags.integer({
      description: 'Seconds given to the object to stop (-1: its own default; 0 with --force: at once)',
      default: -1,
    }),
    now: Flags.boolean({ description: 'Signal the objects to stop at once (grace period 1)' }),
    force: Flags.boolean({
      description: 'With --grace-period=0: remove at once, without waiting for the node',
    }),
    timeout: Flags.string({
      description: 'How long to wait for the deletion (e.g. 30s; 0: no limit)',
      default: '0s',
    }),
    'ignore-not-found': Flags.boolean({ description: 'An object that does not exist is not an error' }),
    'dry-run': dryRunFlag,
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Delete);
    let dryRun: DryRun;
    let policy: PropagationPolicy;
    let timeoutMs: number;
    try {
      dryRun = parseDryRun(flags['dry-run']);
      const cascade = CASCADES[flags.cascade];
      if (!cascade) {
        throw new CommandError(
          `invalid cascade value (${flags.cascade}). Must be "background", "foreground", or "orphan"`,
        );
      }
      policy = cascade;
      timeoutMs = parseDuration(flags.timeout);
    } catch (err) {
      printApiError(err);
      return;
    }
    const grace = flags.now ? 1 : flags.force && flags['grace-period'] < 0 ? 0 : flags['grace-period'];
    if (flags.force && grace === 0) process.stderr.write(`${FORCE_WARNING}\n`);
    await withConnection(flags, async (conn) => {
      const failures: unknown[] = [];
      const { targets, bySelector } = await findTargets(conn, argv as string[], flags, failures);
      if (bySelector && targets.length === 0 && failures.length === 0) {
        process.stdout.write('No resources found\n');
        return;
      }
      const ignoreNotFound = flags['ignore-not-found'] || bySelector;
      const deleted: { target: Target; uid: string | undefined }[] = [];
      for (const target of targets) {
        try {
          const uid = await deleteOne(conn, target, { policy, grace, dryRun });
          deleted.push({ target, uid });
          process.stdout.write(`${deletedLine(target.type, target.name, dryRun)}\n`);
        } catch (err) {
          if (ignoreNotFound && isReason(err, 'NotFound')) continue;
          failures.push(err);
        }
      }
      if (flags.wait !== 'false' && dryRun === 'none' && deleted.length > 0) {
        const stuck = await waitUntilGone(conn, deleted, timeoutMs);
        for (const t of stuck) {
          failures.push(
            new CommandError(`timed out waiting for the condition on ${qualifiedPlural(t.type)}/${t.name}`),
          );
        }
      }
      reportFailures(failures);
    });
  }
}

/** The objects the arguments, -f, -l or --all name; errors reading them are collected. */
async function findTargets(
  conn: Connection,
  args: readonly string[],
  flags: {
    filename?: string[] | undefined;
    recursive: boolean;
    selector?: string | undefined;
    all: boolean;
    'all-namespaces': boolean;
    'field-selector'?: string | undefined;
    namespace?: string | undefined;
  },
  failures: unknown[],
): Promise<{ targets: Target[]; bySelector: boolean }> {
  if (flags.filename?.length) {
    if (args.length > 0)
      throw new CommandError(
        'there is no need to specify a resource type as a separate argument when passing arguments in resource/name form',
      );
    const read = readManifests(flags.filename, { recursive: flags.recursive });
    failures.push(...read.errors.map((e) => new CommandError(e.message)));
    const targets = read.manifests.map((m) => {
      const placed = placeManifest(m, conn.namespace, { explicit: flags.namespace !== undefined });
      return { type: placed.type, namespace: placed.namespace, name: placed.name };
    });
    return { targets, bySelector: false };
  }
  if (args.length === 0) {
    throw new CommandError(`You must provide one or more resources by argument or filename.
Example resource specifications include:
   '-f rsrc.yaml'
   '--filename=rsrc.json'
   '<resource> <name>'
   '<resource>'`);
  }
  const requests = parseResourceArgs(args);
  const bySelector = flags.selector !== undefined || flags.all || flags['field-selector'] !== undefined;
  const named = requests.some((r) => r.names.length > 0);
  if (named && bySelector) throw new CommandError('name cannot be provided when a selector is specified');
  if (!named && !bySelector) throw new CommandError('resource(s) were provided, but no name was specified');
  const targets: Target[] = [];
  for (const request of requests) {
    const { type } = request;
    const ns = type.namespaced ? conn.namespace : undefined;
    if (named) {
      for (const name of request.names) targets.push({ type, namespace: ns, name });
      continue;
    }
    const list = await conn.client.listAll<{ metadata: { name?: string; namespace?: string } }>(type.plural, {
      ...(type.namespaced && !flags['all-namespaces'] ? { namespace: conn.namespace } : {}),
      ...(flags.selector ? { labelSelector: flags.selector } : {}),
      ...(flags['field-selector'] ? { fieldSelector: flags['field-selector'] } : {}),
    });
    for (const item of list.items) {
      targets.push({ type, namespace: item.metadata.namespace ?? ns, name: item.metadata.name ?? '' });
    }
  }
  return { targets, bySelector };
}

/** Sends one DELETE; returns the uid of what was deleted (to tell it from a successor of the same name). */
async function deleteOne(
  conn: Connection,
  target: Target,
  options: { policy: PropagationPolicy; grace: number; dryRun: DryRun },
): Promise<string | undefined> {
  if (options.dryRun === 'client') {
    await conn.client.get(target.type.plural, target.namespace ?? '', target.name);
    return undefined;
  }
  const answer = (await conn.client.delete(target.type.plural, target.namespace ?? '', target.name, {
    propagationPolicy: options.policy,
    ...(options.grace >= 0 ? { gracePeriodSeconds: options.grace } : {}),
    ...(options.dryRun === 'server' ? { dryRun: true } : {}),
  })) as { metadata?: { uid?: string }; details?: { uid?: string } } | null;
  return answer?.metadata?.uid ?? answer?.details?.uid;
}

/** Polls until every deleted object is gone (or replaced by a new one); returns those still there. */
async function waitUntilGone(
  conn: Connection,
  deleted: readonly { target: Target; uid: string | undefined }[],
  timeoutMs: number,
): Promise<Target[]> {
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
  let pending = [...deleted];
  for (;;) {
    const still: typeof pending = [];
    for (const d of pending) {
      const { type, namespace, name } = d.target;
      try {
        const live = await conn.client.get<{ metadata: { uid?: string } }>(
          type.plural,
          namespace ?? '',
          name,
        );
        if (d.uid === undefined || live.metadata.uid === d.uid) still.push(d);
      } catch (err) {
        if (!isReason(err, 'NotFound')) throw err;
      }
    }
    pending = still;
    if (pending.length === 0) return [];
    if (Date.now() >= deadline) return pending.map((d) => d.target);
    await sleep(200);
  }
}

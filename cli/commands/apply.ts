import { Command } from '@oclif/core';
import type { ApiClient } from '../../protocol/client/api-client.js';
import { isReason } from '../../protocol/errors.js';
import { resourceByKind } from '../../protocol/resources/registry.js';
import { connectionFlags } from '../client.js';
import { type Manifest, readManifests } from '../manifests.js';
import { CommandError, printApiError } from '../output/errors.js';
import { dryRunFlag, filenameFlag, recursiveFlag, writeOutputFlag } from '../writing/flags.js';
import {
  type DryRun,
  isTransportFailure,
  parseDryRun,
  refLine,
  refName,
  withSource,
} from '../writing/messages.js';
import { type Placed, placeManifest } from '../writing/objects.js';
import { printObjects } from '../writing/print.js';
import { printWarnings, reportFailures, withConnection } from '../writing/run.js';

/**
 * `skiff apply -f FILE|DIR|-`: creates or updates every object the manifests hold, the way
 * `kubectl apply` does (three-way merge with the last applied configuration, on the server), one
 * line per object: `deployment.apps/web created|configured|unchanged`. An object the server refuses
 * is reported at the end and the others are still applied, as kubectl does; then the exit is 1.
 */
export default class Apply extends Command {
  static override description = `Apply a configuration to resources by file name or stdin

JSON and YAML are accepted, several documents per file (---), Lists, directories (-R: with
subdirectories). Objects that do not exist are created; existing ones are updated to match the
file, keeping what others (controllers, skiff scale) set; an unchanged file changes nothing.`;

  static override examples = [
    '<%= config.bin %> apply -f web.yaml',
    '<%= config.bin %> apply -f manifests/ -R',
    'cat web.yaml | <%= config.bin %> apply -f -',
    '<%= config.bin %> apply -f web.yaml --dry-run=server',
    '<%= config.bin %> apply -f web.yaml -o yaml',
  ];

  static override flags = {
    ...connectionFlags,
    filename: filenameFlag,
    recursive: recursiveFlag,
    'dry-run': dryRunFlag,
    output: writeOutputFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Apply);
    let dryRun: DryRun;
    try {
      dryRun = parseDryRun(flags['dry-run']);
      if (!flags.filename?.length) throw new CommandError('must specify one of -f and -k');
    } catch (err) {
      printApiError(err);
      return;
    }
    await withConnection(flags, async (conn) => {
      const read = readManifests(flags.filename ?? [], { recursive: flags.recursive });
      if (read.manifests.length === 0 && read.errors.length === 0)
        throw new CommandError('no objects passed to apply');
      const failures: unknown[] = read.errors.map((e) => new CommandError(e.message));
      const printed: { ref: string; object: unknown }[] = [];
      for (const manifest of read.manifests) {
        try {
          const placed = placeManifest(manifest, conn.namespace, { explicit: flags.namespace !== undefined });
          const result = await applyOne(conn.client, placed, dryRun);
          printWarnings(result.warnings);
          if (flags.output) printed.push({ ref: refName(placed.type, placed.name), object: result.object });
          else process.stdout.write(`${refLine(placed.type, placed.name, result.action, dryRun)}\n`);
        } catch (err) {
          if (isTransportFailure(err)) throw err; // one line, as kubectl: nothing else can work
          failures.push(await sourced(conn.client, manifest, conn.namespace, err));
        }
      }
      if (flags.output) printObjects(flags.output as 'name' | 'yaml' | 'json', printed);
      reportFailures(failures);
    });
  }
}

/** Applies one object; a client dry run only reads, to tell `created` from `configured`. */
async function applyOne(
  client: ApiClient,
  placed: Placed,
  dryRun: DryRun,
): Promise<{ action: string; object: unknown; warnings: readonly string[] }> {
  if (dryRun === 'client') {
    const exists = await client.get(placed.type.plural, placed.namespace ?? '', placed.name).then(
      () => true,
      (err: unknown) => {
        if (isReason(err, 'NotFound')) return false;
        throw err;
      },
    );
    return { action: exists ? 'configured' : 'created', object: placed.object, warnings: [] };
  }
  return client.apply(placed.type.plural, placed.object, { dryRun: dryRun === 'server' });
}

/** kubectl names the file in a server error, and whether it was creating or patching. */
async function sourced(
  client: ApiClient,
  manifest: Manifest,
  namespace: string,
  err: unknown,
): Promise<unknown> {
  const { object, source } = manifest;
  const type = resourceByKind(object.apiVersion, object.kind);
  let verb = 'creating';
  if (type && object.metadata.name) {
    const ns = object.metadata.namespace ?? namespace;
    verb = await client.get(type.plural, ns, object.metadata.name).then(
      () => 'patching',
      () => 'creating',
    );
  }
  return withSource(verb, source, err);
}

import { Command } from '@oclif/core';
import { connectionFlags } from '../client.js';
import { readManifests } from '../manifests.js';
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
import { placeManifest } from '../writing/objects.js';
import { printObjects } from '../writing/print.js';
import { printWarnings, reportFailures, withConnection } from '../writing/run.js';

/**
 * `skiff create -f FILE`: creates every object the manifests hold (`deployment.apps/web created`);
 * one that exists already is kubectl's AlreadyExists error, reported at the end while the others
 * are still created, as kubectl does.
 */
export default class Create extends Command {
  static override description = `Create resources from a file or from stdin

JSON and YAML are accepted, several documents per file (---), Lists and directories. An object
that already exists is an error (use apply to update it).`;

  static override examples = [
    '<%= config.bin %> create -f web.yaml',
    'cat pod.json | <%= config.bin %> create -f -',
    '<%= config.bin %> create -f web.yaml --dry-run=server -o yaml',
  ];

  static override flags = {
    ...connectionFlags,
    filename: filenameFlag,
    recursive: recursiveFlag,
    'dry-run': dryRunFlag,
    output: writeOutputFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Create);
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
        throw new CommandError('no objects passed to create');
      const failures: unknown[] = read.errors.map((e) => new CommandError(e.message));
      const printed: { ref: string; object: unknown }[] = [];
      for (const manifest of read.manifests) {
        try {
          const placed = placeManifest(manifest, conn.namespace, { explicit: flags.namespace !== undefined });
          let object: unknown = placed.object;
          if (dryRun !== 'client') {
            const written = await conn.client.callWithWarnings({
              verb: 'create',
              resource: placed.type.plural,
              namespace: placed.namespace,
              body: placed.object,
              options: dryRun === 'server' ? { dryRun: true } : {},
            });
            printWarnings(written.warnings);
            object = written.body;
          }
          if (flags.output) printed.push({ ref: refName(placed.type, placed.name), object });
          else process.stdout.write(`${refLine(placed.type, placed.name, 'created', dryRun)}\n`);
        } catch (err) {
          if (isTransportFailure(err)) throw err; // one line, as kubectl: nothing else can work
          failures.push(withSource('creating', manifest.source, err));
        }
      }
      if (flags.output) printObjects(flags.output as 'name' | 'yaml' | 'json', printed);
      reportFailures(failures);
    });
  }
}

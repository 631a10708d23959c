import { Command, Flags } from '@oclif/core';
import { type Connection, connect, getJson, serverFlag } from '../client.js';
import { CommandError, printApiError } from '../output/errors.js';
import { alignRows } from '../output/table.js';

interface ApiResource {
  readonly name: string;
  readonly namespaced: boolean;
  readonly kind: string;
  readonly verbs?: readonly string[];
  readonly shortNames?: readonly string[];
}

interface Discovered extends ApiResource {
  readonly group: string;
  readonly groupVersion: string;
}

/** `skiff api-resources`: the server's resources from discovery, as kubectl lists them. */
export default class ApiResources extends Command {
  static override description = 'Print the supported API resources on the server';

  static override examples = [
    '<%= config.bin %> api-resources',
    '<%= config.bin %> api-resources --namespaced=false',
    '<%= config.bin %> api-resources --api-group=apps -o wide',
    '<%= config.bin %> api-resources -o name',
  ];

  static override flags = {
    server: serverFlag,
    namespaced: Flags.string({ description: 'true: only namespaced resources; false: only cluster-scoped' }),
    'api-group': Flags.string({ description: "Only this API group ('' for the core group)" }),
    output: Flags.string({ char: 'o', description: 'wide (adds VERBS) or name' }),
    'no-headers': Flags.boolean({ description: 'Do not print headers' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ApiResources);
    let conn: Connection | undefined;
    try {
      if (flags.output !== undefined && flags.output !== 'wide' && flags.output !== 'name') {
        throw new CommandError(`--output ${flags.output} is not available`);
      }
      conn = connect(flags);
      let resources = await discover(conn);
      if (flags.namespaced !== undefined)
        resources = resources.filter((r) => String(r.namespaced) === flags.namespaced);
      if (flags['api-group'] !== undefined)
        resources = resources.filter((r) => r.group === flags['api-group']);
      if (flags.output === 'name') {
        process.stdout.write(resources.map((r) => `${r.group ? `${r.name}.${r.group}` : r.name}\n`).join(''));
        return;
      }
      const wide = flags.output === 'wide';
      const header = ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND', ...(wide ? ['VERBS'] : [])];
      const rows = resources.map((r) => [
        r.name,
        (r.shortNames ?? []).join(','),
        r.groupVersion,
        String(r.namespaced),
        r.kind,
        ...(wide ? [`[${(r.verbs ?? []).join(' ')}]`] : []),
      ]);
      process.stdout.write(alignRows(flags['no-headers'] ? rows : [header, ...rows]));
    } catch (err) {
      printApiError(err);
    } finally {
      await conn?.close();
    }
  }
}

/** Every resource (no subresources) from `/api` and `/apis`, core first, by name within a group. */
async function discover(conn: Connection): Promise<Discovered[]> {
  const core = await getJson<{ versions: string[] }>(conn, '/api');
  const groups = await getJson<{ groups: { name: string; preferredVersion: { groupVersion: string } }[] }>(
    conn,
    '/apis',
  );
  const sources = [
    ...core.versions.map((v) => ({ group: '', groupVersion: v, path: `/api/${v}` })),
    ...groups.groups.map((g) => ({
      group: g.name,
      groupVersion: g.preferredVersion.groupVersion,
      path: `/apis/${g.preferredVersion.groupVersion}`,
    })),
  ];
  const out: Discovered[] = [];
  for (const source of sources) {
    const list = await getJson<{ resources: ApiResource[] }>(conn, source.path);
    const mine = list.resources
      .filter((r) => !r.name.includes('/'))
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((r) => ({ ...r, group: source.group, groupVersion: source.groupVersion }));
    out.push(...mine);
  }
  return out;
}

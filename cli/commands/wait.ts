import { Args, Command, Flags } from '@oclif/core';
import { isReason } from '../../protocol/errors.js';
import type { ResourceType } from '../../protocol/resources/registry.js';
import { type Connection, connect, listFlags } from '../client.js';
import { CommandError, errorLine, printApiError } from '../output/errors.js';
import { conditionMet, parseDuration, parseWaitFor, type WaitCondition } from '../output/wait.js';
import { kindPrefix, parseResourceArgs } from '../resources.js';

type Loose = { metadata?: { name?: string; namespace?: string; uid?: string } };

/** `skiff wait --for=…`: blocks until objects meet a condition, or are deleted, or the timeout ends. */
export default class Wait extends Command {
  static override description = `Wait for a specific condition on one or many resources

Prints "TYPE/NAME condition met" for each object as it meets the condition; exits 1 with
"timed out waiting for the condition on TYPE/NAME" when the timeout ends first.`;

  static override examples = [
    '<%= config.bin %> wait --for=condition=Ready pod/web-1',
    '<%= config.bin %> wait --for=condition=Available deploy/web --timeout=60s',
    '<%= config.bin %> wait --for=condition=Complete job/migrate',
    '<%= config.bin %> wait --for=condition=Ready=False pod -l app=web',
    '<%= config.bin %> wait --for=delete pod/web-1 --timeout=30s',
    "<%= config.bin %> wait --for=jsonpath='{.status.phase}'=Running pod/web-1",
  ];

  static override strict = false;

  static override args = {
    type: Args.string({ description: 'TYPE/NAME, or TYPE [NAME...] with -l or --all' }),
  };

  static override flags = {
    ...listFlags,
    for: Flags.string({
      description: "delete | condition=NAME[=VALUE] | jsonpath='{PATH}'[=VALUE]",
      required: true,
    }),
    timeout: Flags.string({ description: 'How long to wait (30s, 1m, 0 checks once)', default: '30s' }),
    all: Flags.boolean({ description: 'Every object of the type in the namespace' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Wait);
    let conn: Connection | undefined;
    try {
      const condition = parseWaitFor(flags.for);
      const timeoutMs = parseDuration(flags.timeout);
      const requests = parseResourceArgs(argv as string[]);
      conn = connect(flags);
      const deadline = Date.now() + timeoutMs;
      const targets: { type: ResourceType; namespace: string; name: string }[] = [];
      for (const { type, names } of requests) {
        if (names.length > 0) {
          for (const name of names) targets.push({ type, namespace: conn.namespace, name });
          continue;
        }
        if (!flags.all && !flags.selector && !flags['field-selector']) {
          throw new CommandError('resource(s) were provided, but no name was specified');
        }
        const list = await conn.client.listAll<Loose>(type.plural, {
          ...(flags['all-namespaces'] || !type.namespaced ? {} : { namespace: conn.namespace }),
          ...(flags.selector ? { labelSelector: flags.selector } : {}),
          ...(flags['field-selector'] ? { fieldSelector: flags['field-selector'] } : {}),
        });
        for (const o of list.items) {
          targets.push({
            type,
            namespace: o.metadata?.namespace ?? conn.namespace,
            name: o.metadata?.name ?? '',
          });
        }
      }
      if (targets.length === 0) throw new CommandError('no matching resources found');
      let failed = false;
      for (const target of targets) {
        try {
          const met = await waitFor(conn, target, condition, deadline);
          if (met) process.stdout.write(`${kindPrefix(target.type)}/${target.name} condition met\n`);
        } catch (err) {
          failed = true;
          process.stderr.write(`${errorLine(err)}\n`);
        }
      }
      if (failed) process.exitCode = 1;
    } catch (err) {
      printApiError(err);
    } finally {
      await conn?.close();
    }
  }
}

/**
 * Waits for one object: re-reads it whenever its watch reports a change (and every second, in
 * case the watch is slow to start), until the condition holds or the deadline passes. Resolves
 * true when met; false when `--for=delete` finds the object already gone (kubectl prints nothing).
 */
async function waitFor(
  conn: Connection,
  target: { type: ResourceType; namespace: string; name: string },
  condition: WaitCondition,
  deadline: number,
): Promise<boolean> {
  const { type, namespace, name } = target;
  const read = async (): Promise<Loose | undefined> => {
    try {
      return await conn.client.get<Loose>(type.plural, namespace, name);
    } catch (err) {
      if (isReason(err, 'NotFound')) return undefined;
      throw err;
    }
  };
  const first = await read();
  if (condition.kind === 'delete' && first === undefined) return false;
  if (first === undefined) throw await conn.client.get(type.plural, namespace, name).catch((e: unknown) => e);
  if (conditionMet(condition, first)) return true;
  let wake: () => void = () => undefined;
  const watch = await conn.client.watch(
    {
      resource: type.plural,
      ...(type.namespaced ? { namespace } : {}),
      fieldSelector: `metadata.name=${name}`,
    },
    () => wake(),
  );
  try {
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      const obj = await read();
      if (
        condition.kind === 'delete'
          ? obj === undefined || obj.metadata?.uid !== first.metadata?.uid
          : obj && conditionMet(condition, obj)
      ) {
        return true;
      }
      if (obj === undefined)
        throw await conn.client.get(type.plural, namespace, name).catch((e: unknown) => e);
    }
  } finally {
    await watch.close();
  }
  throw new CommandError(`timed out waiting for the condition on ${type.plural}/${name}`);
}

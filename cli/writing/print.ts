/** `-o name|yaml|json` for objects a writing verb wrote (kubectl prints a List for several, in JSON and YAML). */
import { asPrintable, toJson, toYaml } from '../output/format.js';

/** Prints `objects` (with their `-o name` refs) in `format`. */
export function printObjects(
  format: 'name' | 'yaml' | 'json',
  objects: readonly { ref: string; object: unknown }[],
): void {
  if (format === 'name') {
    for (const o of objects) process.stdout.write(`${o.ref}\n`);
    return;
  }
  const printable = asPrintable(
    objects.map((o) => o.object),
    true,
  );
  process.stdout.write(format === 'json' ? toJson(printable) : toYaml(printable));
}
